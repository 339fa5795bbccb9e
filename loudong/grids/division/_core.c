/* The division engine's repair DP in C: the same arithmetic as engine._dp_py, step for step.
 *
 * engine._dp_py cuts a chain of atoms (two or three grids re-cut together by the repair) into
 * consecutive segments at least cost; it runs thousands of times per 500k city and was the
 * hottest pure-Python function of the repair. This is the same loop over C doubles: every sum,
 * product and comparison in the order Python evaluates it (no fused multiply-add: built with
 * -ffp-contract=off), so the costs are the same doubles and ties break the same way; the tests
 * compare both on random chains. Built by setup.py (make setup); engine.py falls back to the
 * Python loop when the module is missing.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

static PyObject *s_h, *s_minx, *s_maxx, *s_miny, *s_maxy, *s_comp, *s_tiny, *s_small;
static PyObject *s_first, *s_last;

static int
attr_double(PyObject *o, PyObject *name, double *out)
{
    PyObject *v = PyObject_GetAttr(o, name);
    if (v == NULL)
        return -1;
    *out = PyFloat_AsDouble(v);
    Py_DECREF(v);
    if (*out == -1.0 && PyErr_Occurred())
        return -1;
    return 0;
}

static int
attr_truth(PyObject *o, PyObject *name)
{
    PyObject *v = PyObject_GetAttr(o, name);
    if (v == NULL)
        return -1;
    int r = PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

/* a.last[k] == b.first[k] */
static int
ends_equal(PyObject *a, PyObject *b, Py_ssize_t k)
{
    PyObject *last = PyObject_GetAttr(a, s_last);
    if (last == NULL)
        return -1;
    PyObject *first = PyObject_GetAttr(b, s_first);
    if (first == NULL) {
        Py_DECREF(last);
        return -1;
    }
    int r = -1;
    PyObject *x = PySequence_GetItem(last, k);
    PyObject *y = x ? PySequence_GetItem(first, k) : NULL;
    if (x != NULL && y != NULL)
        r = PyObject_RichCompareBool(x, y, Py_EQ);
    Py_XDECREF(x);
    Py_XDECREF(y);
    Py_DECREF(last);
    Py_DECREF(first);
    return r;
}

typedef struct {
    double h, minx, maxx, miny, maxy;
    PyObject *comp; /* borrowed from the atom's attribute, kept alive by `comps_alive` */
    int tiny;
} Box;

static PyObject *
dp(PyObject *self, PyObject *args)
{
    PyObject *seq;
    double lo, hi, t, dev, cw, cross, cross_tiny, needless, big, cut_floor, cut_unit;
    if (!PyArg_ParseTuple(args, "Oddddddddddd", &seq, &lo, &hi, &t, &dev, &cw, &cross,
                          &cross_tiny, &needless, &big, &cut_floor, &cut_unit))
        return NULL;
    PyObject *fast = PySequence_Fast(seq, "dp: a sequence of atoms");
    if (fast == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    PyObject *result = NULL, *comps_alive = NULL;
    Box *box = NULL;
    double *f = NULL, *fc = NULL, *cuts = NULL;
    Py_ssize_t *back = NULL, *seen = NULL;
    int *seen_tiny = NULL;

    box = PyMem_Malloc(sizeof(Box) * (n + 1));
    f = PyMem_Malloc(sizeof(double) * (n + 1));
    fc = PyMem_Malloc(sizeof(double) * (n + 1));
    cuts = PyMem_Malloc(sizeof(double) * (n + 1));
    back = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 1));
    seen = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 1));
    seen_tiny = PyMem_Malloc(sizeof(int) * (n + 1));
    comps_alive = PyList_New(0);
    if (!box || !f || !fc || !cuts || !back || !seen || !seen_tiny || !comps_alive) {
        PyErr_NoMemory();
        goto done;
    }
    int single = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *a = items[i];
        Box *bx = &box[i];
        if (attr_double(a, s_h, &bx->h) < 0 || attr_double(a, s_minx, &bx->minx) < 0 ||
            attr_double(a, s_maxx, &bx->maxx) < 0 || attr_double(a, s_miny, &bx->miny) < 0 ||
            attr_double(a, s_maxy, &bx->maxy) < 0)
            goto done;
        PyObject *comp = PyObject_GetAttr(a, s_comp);
        if (comp == NULL)
            goto done;
        int app = PyList_Append(comps_alive, comp);
        Py_DECREF(comp);
        if (app < 0)
            goto done;
        bx->comp = comp;
        if ((bx->tiny = attr_truth(a, s_tiny)) < 0)
            goto done;
        if (i > 0 && single) {
            int eq = PyObject_RichCompareBool(box[0].comp, comp, Py_EQ);
            if (eq < 0)
                goto done;
            single = eq;
        }
    }
    /* cuts[i]: cost of a cut between atoms i-1 and i (engine._cut_cost) */
    cuts[0] = 0.0;
    for (Py_ssize_t i = 1; i < n; i++) {
        int same = ends_equal(items[i - 1], items[i], 1);
        if (same < 0)
            goto done;
        if (same) {
            cuts[i] = cut_floor;
            continue;
        }
        same = ends_equal(items[i - 1], items[i], 0);
        if (same < 0)
            goto done;
        if (same) {
            int small = attr_truth(items[i - 1], s_small);
            if (small < 0)
                goto done;
            cuts[i] = small ? needless : cut_unit;
        }
        else
            cuts[i] = 0.0;
    }
    const double four_pi = 4.0 * M_PI;
    const double pi16 = 16.0 * M_PI;
    f[0] = 0.0;
    fc[0] = cuts[0];
    for (Py_ssize_t j = 1; j <= n; j++) {
        double s = 0.0;
        double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
        double best = INFINITY;
        Py_ssize_t arg = j - 1;
        Py_ssize_t ncomps = 0;
        for (Py_ssize_t i = j - 1; i >= 0; i--) {
            if (s > hi && i < j - 1)
                break;
            const Box *bx = &box[i];
            s += bx->h;
            if (bx->minx < minx)
                minx = bx->minx;
            if (bx->maxx > maxx)
                maxx = bx->maxx;
            if (bx->miny < miny)
                miny = bx->miny;
            if (bx->maxy > maxy)
                maxy = bx->maxy;
            double c;
            if (s < lo)
                c = big + 100.0 * (lo - s) / t;
            else if (s > hi)
                c = big + 100.0 * (s - hi) / t;
            else {
                double d = (s - t) / t;
                c = dev * d * d;
            }
            double w = maxx - minx;
            double h = maxy - miny;
            double p = 2.0 * (w + h) + pi16;
            c += cw * (1.0 - four_pi * ((w + 16.0) * (h + 16.0) - 54.93) / (p * p));
            if (!single) {
                /* comps[cs[i]] = tiny[i]: insertion order does not matter, only the count */
                Py_ssize_t k = 0;
                for (; k < ncomps; k++) {
                    int eq = PyObject_RichCompareBool(box[seen[k]].comp, bx->comp, Py_EQ);
                    if (eq < 0)
                        goto done;
                    if (eq)
                        break;
                }
                if (k == ncomps)
                    seen[ncomps++] = i;
                seen_tiny[k] = bx->tiny;
                if (ncomps > 1) {
                    long n_tiny = 0;
                    for (Py_ssize_t m = 0; m < ncomps; m++)
                        n_tiny += seen_tiny[m];
                    long n_big = (long)ncomps - n_tiny;
                    if (n_big)
                        c += cross * (double)(n_big - 1) + cross_tiny * (double)n_tiny;
                    else
                        c += 0.25 * cross_tiny * (double)(n_tiny - 1 > 0 ? n_tiny - 1 : 0);
                }
            }
            c += fc[i];
            if (c < best) {
                best = c;
                arg = i;
            }
        }
        f[j] = best;
        back[j] = arg;
        if (j < n)
            fc[j] = best + cuts[j];
    }
    Py_ssize_t count = 0;
    for (Py_ssize_t j = n; j > 0; j = back[j])
        count++;
    PyObject *segs = PyList_New(count);
    if (segs == NULL)
        goto done;
    Py_ssize_t pos = count;
    for (Py_ssize_t j = n; j > 0; j = back[j]) {
        PyObject *pair = Py_BuildValue("(nn)", back[j], j);
        if (pair == NULL) {
            Py_DECREF(segs);
            goto done;
        }
        PyList_SET_ITEM(segs, --pos, pair);
    }
    result = Py_BuildValue("(dN)", f[n], segs);
done:
    PyMem_Free(box);
    PyMem_Free(f);
    PyMem_Free(fc);
    PyMem_Free(cuts);
    PyMem_Free(back);
    PyMem_Free(seen);
    PyMem_Free(seen_tiny);
    Py_XDECREF(comps_alive);
    Py_DECREF(fast);
    return result;
}

static PyMethodDef methods[] = {
    {"dp", dp, METH_VARARGS,
     "dp(atoms, lo, hi, t, dev, cw, cross, cross_tiny, needless, big, cut_floor, cut_unit)"
     " -> (cost, [(i, j), ...]): engine._dp_py in C."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_core", "The division engine's repair DP in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__core(void)
{
#define INTERN(var, text)                                                                     \
    if ((var = PyUnicode_InternFromString(text)) == NULL)                                     \
        return NULL;
    INTERN(s_h, "h");
    INTERN(s_minx, "minx");
    INTERN(s_maxx, "maxx");
    INTERN(s_miny, "miny");
    INTERN(s_maxy, "maxy");
    INTERN(s_comp, "comp");
    INTERN(s_tiny, "tiny");
    INTERN(s_small, "small");
    INTERN(s_first, "first");
    INTERN(s_last, "last");
#undef INTERN
    return PyModule_Create(&module);
}
