/* The division engine's hottest loops in C, each the same arithmetic as its Python original.
 *
 * - dp: engine._dp_py, the exact cut of a chain of atoms (two or three grids re-cut together by
 *   the repair) into consecutive segments at least cost, run thousands of times per 500k city;
 * - cost_atoms: engine._Cost.atoms_py, the cost of one grid, for every grid and candidate;
 * - connected: engine._Community.connected_py, whether buildings are connected in the site graph;
 * - connected_sets: engine._connected_sets_py, the exact search's enumeration of connected sets;
 * - exact_search: engine._State._search_py, the exact search itself (the same enumeration);
 * - chain_order: the order engine._State._chain_py gives two or three grids re-cut together;
 * - batch_dp: engine._batched_dp_py, the exact core's DP over every order of every compound;
 * - build_pieces: the Piece objects of a division, without the frozen dataclass's __init__;
 * - building_atom: a building's one atom (engine._building_atoms_py when it is not cut);
 * - new_run: a run of atoms to glue (engine._Run) with its bounding box;
 * - pitch: the row-gap threshold of a compound (engine._pitch_py, engine._group_pitch_py);
 * - strict_adjacency: the co-circularity test and adjacency lists of
 *   geometry.strict_delaunay_py, after qhull;
 * - strict_delaunay: the same graph from the points, with a Delaunay triangulation of its own
 *   (exact predicates), so that dividing needs neither numpy nor qhull.
 *
 * Every sum, product and comparison is done in the order Python evaluates it, over the same
 * doubles (no fused multiply-add: built with -ffp-contract=off), so costs are the same doubles
 * and ties break the same way; tests/test_core.py compares each with its Python original on
 * random inputs. Built by setup.py (make setup); engine.py falls back to the Python functions
 * when the module is missing.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static PyObject *s_h, *s_minx, *s_maxx, *s_miny, *s_maxy, *s_comp, *s_tiny, *s_small;
static PyObject *s_first, *s_last, *s_parts, *s_compound, *s_building, *s_households, *s_blds;

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

typedef struct {
    double lo, hi, t, dev, cw, cross, cross_tiny, needless, big, cut_floor, cut_unit;
} DpParams;

/* the bounding box grown to take in bx */
static inline void
box_grow(const Box *bx, double *minx, double *maxx, double *miny, double *maxy)
{
    if (bx->minx < *minx)
        *minx = bx->minx;
    if (bx->maxx > *maxx)
        *maxx = bx->maxx;
    if (bx->miny < *miny)
        *miny = bx->miny;
    if (bx->maxy > *maxy)
        *maxy = bx->maxy;
}

/* engine._dp_py on items[0..n): box[i] filled from atom i (its comp kept alive by
 * comps_alive), back[j] the start of the segment that ends before j, *total the cost */
static int
dp_solve(PyObject **items, Py_ssize_t n, const DpParams *p, Box *box, Py_ssize_t *back,
         double *total, PyObject *comps_alive)
{
    const double lo = p->lo, hi = p->hi, t = p->t, dev = p->dev, cw = p->cw;
    const double cross = p->cross, cross_tiny = p->cross_tiny, big = p->big;
    int rc = -1;
    double *f = PyMem_Malloc(sizeof(double) * (n + 1));
    double *fc = PyMem_Malloc(sizeof(double) * (n + 1));
    double *cuts = PyMem_Malloc(sizeof(double) * (n + 1));
    Py_ssize_t *seen = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 1));
    int *seen_tiny = PyMem_Malloc(sizeof(int) * (n + 1));
    if (!f || !fc || !cuts || !seen || !seen_tiny) {
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
            cuts[i] = p->cut_floor;
            continue;
        }
        same = ends_equal(items[i - 1], items[i], 0);
        if (same < 0)
            goto done;
        if (same) {
            int small = attr_truth(items[i - 1], s_small);
            if (small < 0)
                goto done;
            cuts[i] = small ? p->needless : p->cut_unit;
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
            box_grow(bx, &minx, &maxx, &miny, &maxy);
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
            double pp = 2.0 * (w + h) + pi16;
            c += cw * (1.0 - four_pi * ((w + 16.0) * (h + 16.0) - 54.93) / (pp * pp));
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
    *total = f[n];
    rc = 0;
done:
    PyMem_Free(f);
    PyMem_Free(fc);
    PyMem_Free(cuts);
    PyMem_Free(seen);
    PyMem_Free(seen_tiny);
    return rc;
}

/* [(i, j), ...] of the segments dp_solve chose */
static PyObject *
segments(const Py_ssize_t *back, Py_ssize_t n)
{
    Py_ssize_t count = 0;
    for (Py_ssize_t j = n; j > 0; j = back[j])
        count++;
    PyObject *segs = PyList_New(count);
    if (segs == NULL)
        return NULL;
    Py_ssize_t pos = count;
    for (Py_ssize_t j = n; j > 0; j = back[j]) {
        PyObject *pair = Py_BuildValue("(nn)", back[j], j);
        if (pair == NULL) {
            Py_DECREF(segs);
            return NULL;
        }
        PyList_SET_ITEM(segs, --pos, pair);
    }
    return segs;
}

static int
dp_params(PyObject *args, PyObject **seq, DpParams *p)
{
    return PyArg_ParseTuple(args, "Oddddddddddd", seq, &p->lo, &p->hi, &p->t, &p->dev, &p->cw,
                            &p->cross, &p->cross_tiny, &p->needless, &p->big, &p->cut_floor,
                            &p->cut_unit);
}

static PyObject *
dp(PyObject *self, PyObject *args)
{
    PyObject *seq;
    DpParams prm;
    if (!dp_params(args, &seq, &prm))
        return NULL;
    PyObject *fast = PySequence_Fast(seq, "dp: a sequence of atoms");
    if (fast == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject *result = NULL, *comps_alive = PyList_New(0);
    Box *box = PyMem_Malloc(sizeof(Box) * (n + 1));
    Py_ssize_t *back = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 1));
    double total;
    if (!box || !back) {
        PyErr_NoMemory();
        goto done;
    }
    if (comps_alive == NULL ||
        dp_solve(PySequence_Fast_ITEMS(fast), n, &prm, box, back, &total, comps_alive) < 0)
        goto done;
    PyObject *segs = segments(back, n);
    if (segs != NULL)
        result = Py_BuildValue("(dN)", total, segs);
done:
    PyMem_Free(box);
    PyMem_Free(back);
    Py_XDECREF(comps_alive);
    Py_DECREF(fast);
    return result;
}


/* ---- connected(site, sadj, blds): engine._Community.connected */

/* Marks per index, a fresh pair of values (wanted, reached) per use without clearing. */
typedef struct {
    uint32_t *mark;
    Py_ssize_t len;
    uint32_t stamp;
} Stamps;

static Stamps site_marks = {NULL, 0, 0};

/* room for n marks and a fresh stamp pair; returns the wanted stamp (0 on error) */
static uint32_t
stamps_next(Stamps *st, Py_ssize_t n)
{
    if (n > st->len || st->stamp > UINT32_MAX - 4) {
        Py_ssize_t len = n > st->len ? n * 2 + 16 : st->len;
        uint32_t *m = PyMem_Realloc(st->mark, sizeof(uint32_t) * len);
        if (m == NULL) {
            PyErr_NoMemory();
            return 0;
        }
        memset(m, 0, sizeof(uint32_t) * len);
        st->mark = m;
        st->len = len;
        st->stamp = 0;
    }
    st->stamp += 2;
    return st->stamp;
}

/* Marks building b's site wanted (site_marks, stamp `want`), counting new sites. */
static int
want_site(PyObject *site, Py_ssize_t nsites, Py_ssize_t b, uint32_t want,
          Py_ssize_t *remaining, Py_ssize_t *start)
{
    if (b < 0 || b >= PyList_GET_SIZE(site)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_IndexError, "connected: building out of range");
        return -1;
    }
    Py_ssize_t sb = PyLong_AsSsize_t(PyList_GET_ITEM(site, b));
    if (sb == -1 && PyErr_Occurred())
        return -1;
    if (sb < 0 || sb >= nsites) {
        PyErr_SetString(PyExc_IndexError, "connected: site out of range");
        return -1;
    }
    if (site_marks.mark[sb] != want) {
        site_marks.mark[sb] = want;
        (*remaining)++;
        *start = sb;
    }
    return 0;
}

/* Whether the `remaining` wanted sites are connected in sadj: 1, 0, or -1 on error. */
static int
wanted_connected(PyObject *sadj, Py_ssize_t nsites, uint32_t want, Py_ssize_t remaining,
                 Py_ssize_t start)
{
    if (remaining <= 1)
        return 1;
    uint32_t *mark = site_marks.mark;
    const uint32_t got = want + 1;
    /* a search from one wanted site through the site graph, counting wanted sites reached */
    Py_ssize_t *stack = PyMem_Malloc(sizeof(Py_ssize_t) * (remaining + 1));
    if (stack == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t top = 0;
    stack[top++] = start;
    mark[start] = got;
    remaining--;
    while (top && remaining) {
        PyObject *nb = PyList_GET_ITEM(sadj, stack[--top]);
        if (!PyList_Check(nb)) {
            PyErr_SetString(PyExc_TypeError, "connected: adjacency lists must be lists");
            break;
        }
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(nb); k++) {
            Py_ssize_t t = PyLong_AsSsize_t(PyList_GET_ITEM(nb, k));
            if (t < 0 || t >= nsites) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_IndexError, "connected: site out of range");
                break;
            }
            if (mark[t] == want) {
                mark[t] = got;
                remaining--;
                stack[top++] = t;
            }
        }
        if (PyErr_Occurred())
            break;
    }
    PyMem_Free(stack);
    if (PyErr_Occurred())
        return -1;
    return remaining == 0;
}

static PyObject *
connected(PyObject *self, PyObject *args)
{
    PyObject *site, *sadj, *blds;
    if (!PyArg_ParseTuple(args, "O!O!O", &PyList_Type, &site, &PyList_Type, &sadj, &blds))
        return NULL;
    Py_ssize_t nsites = PyList_GET_SIZE(sadj);
    uint32_t want = stamps_next(&site_marks, nsites);
    if (want == 0)
        return NULL;
    PyObject *it = PyObject_GetIter(blds);
    if (it == NULL)
        return NULL;
    Py_ssize_t remaining = 0, start = -1;
    PyObject *item;
    while ((item = PyIter_Next(it)) != NULL) {
        Py_ssize_t b = PyLong_AsSsize_t(item);
        Py_DECREF(item);
        if ((b == -1 && PyErr_Occurred()) ||
            want_site(site, nsites, b, want, &remaining, &start) < 0)
            break;
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        return NULL;
    int r = wanted_connected(sadj, nsites, want, remaining, start);
    return r < 0 ? NULL : PyBool_FromLong(r);
}

/* ---- recut(seq, lo, hi, t, dev, cw, cross, cross_tiny, needless, big, cut_floor, cut_unit,
 * site, sadj): engine._State._recut_py after the chain */

static Stamps bld_marks = {NULL, 0, 0};
static int *bld_count = NULL; /* per building: groups holding it (zero between calls) */
static Py_ssize_t bld_count_len = 0;

/* engine._Cost.segment: households s, bounding box w × h, ncomps compounds of which n_tiny are
 * below the lower bound (the arithmetic of _Cost.band, compact and crossing, in their order) */
static double
segment_cost(double s, double w, double h, long ncomps, long n_tiny, double lo, double hi,
             double t, double dev, double cw, double cross, double cross_tiny, double big)
{
    long n_big = ncomps - n_tiny;
    double band;
    if (s < lo)
        band = big + 100.0 * (lo - s) / t;
    else if (s > hi)
        band = big + 100.0 * (s - hi) / t;
    else {
        double d = (s - t) / t;
        band = dev * d * d;
    }
    double area = (w + 16.0) * (h + 16.0) - (4.0 - M_PI) * 64.0;
    double p = 2.0 * (w + h) + 16.0 * M_PI;
    double compact = cw * (1.0 - 4.0 * M_PI * area / (p * p));
    double crossing;
    if (n_big)
        crossing = cross * (double)(n_big - 1) + cross_tiny * (double)n_tiny;
    else
        crossing = 0.25 * cross_tiny * (double)(n_tiny - 1 > 0 ? n_tiny - 1 : 0);
    return band + compact + crossing;
}

/* engine._Cost.atoms (cost_atoms) of box[i..j) */
static int
box_cost(const Box *box, Py_ssize_t i, Py_ssize_t j, const DpParams *p, PyObject **comps,
         int *tiny, double *out)
{
    double s = 0.0, minx = box[i].minx, maxx = box[i].maxx, miny = box[i].miny;
    double maxy = box[i].maxy;
    Py_ssize_t ncomps = 0;
    for (Py_ssize_t q = i; q < j; q++) {
        const Box *bx = &box[q];
        s += bx->h;
        box_grow(bx, &minx, &maxx, &miny, &maxy);
        Py_ssize_t k = 0;
        for (; k < ncomps; k++) {
            int eq = PyObject_RichCompareBool(comps[k], bx->comp, Py_EQ);
            if (eq < 0)
                return -1;
            if (eq)
                break;
        }
        if (k == ncomps)
            comps[ncomps++] = bx->comp;
        tiny[k] = bx->tiny;
    }
    long n_tiny = 0;
    for (Py_ssize_t k = 0; k < ncomps; k++)
        n_tiny += tiny[k];
    *out = segment_cost(s, maxx - minx, maxy - miny, (long)ncomps, n_tiny, p->lo, p->hi, p->t,
                        p->dev, p->cw, p->cross, p->cross_tiny, p->big);
    return ncomps > 1;
}

static PyObject *
recut(PyObject *self, PyObject *args)
{
    PyObject *seq, *site, *sadj;
    DpParams prm;
    if (!PyArg_ParseTuple(args, "O!dddddddddddO!O!", &PyList_Type, &seq, &prm.lo, &prm.hi,
                          &prm.t, &prm.dev, &prm.cw, &prm.cross, &prm.cross_tiny, &prm.needless,
                          &prm.big, &prm.cut_floor, &prm.cut_unit, &PyList_Type, &site,
                          &PyList_Type, &sadj))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(seq), nblds = PyList_GET_SIZE(site);
    Py_ssize_t nsites = PyList_GET_SIZE(sadj);
    if (n == 0) {
        PyErr_SetString(PyExc_ValueError, "recut: no atoms");
        return NULL;
    }
    PyObject *result = NULL, *comps_alive = PyList_New(0), *segs = NULL, *inside = NULL;
    Box *box = PyMem_Malloc(sizeof(Box) * (n + 1));
    Py_ssize_t *back = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 1));
    Py_ssize_t *start_of = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 1));
    PyObject **comps = PyMem_Malloc(sizeof(PyObject *) * (n + 1));
    int *tiny = PyMem_Malloc(sizeof(int) * (n + 1));
    Py_ssize_t *order = NULL, norder = 0, cap = 0;
    double total;
    if (!box || !back || !start_of || !comps || !tiny) {
        PyErr_NoMemory();
        goto done;
    }
    if (comps_alive == NULL ||
        dp_solve(PySequence_Fast_ITEMS(seq), n, &prm, box, back, &total, comps_alive) < 0)
        goto done;
    if (nblds > bld_count_len) {
        PyMem_Free(bld_count);
        bld_count = PyMem_Calloc(nblds * 2 + 16, sizeof(int));
        if (bld_count == NULL) {
            bld_count_len = 0;
            PyErr_NoMemory();
            goto done;
        }
        bld_count_len = nblds * 2 + 16;
    }
    /* the groups, first to last */
    Py_ssize_t ngroups = 0;
    for (Py_ssize_t j = n; j > 0; j = back[j])
        ngroups++;
    Py_ssize_t pos = ngroups;
    for (Py_ssize_t j = n; j > 0; j = back[j])
        start_of[--pos] = back[j];
    start_of[ngroups] = n;
    int ok = 1;
    for (Py_ssize_t g = 0; g < ngroups && ok; g++) {
        uint32_t bwant = stamps_next(&bld_marks, nblds);
        uint32_t swant = bwant ? stamps_next(&site_marks, nsites) : 0;
        if (swant == 0)
            goto done;
        Py_ssize_t remaining = 0, first_site = -1;
        for (Py_ssize_t q = start_of[g]; q < start_of[g + 1]; q++) {
            PyObject *blds = PyObject_GetAttr(PyList_GET_ITEM(seq, q), s_blds);
            if (blds == NULL)
                goto done;
            if (!PyList_Check(blds)) {
                Py_DECREF(blds);
                PyErr_SetString(PyExc_TypeError, "recut: an atom's buildings must be a list");
                goto done;
            }
            for (Py_ssize_t k = 0; k < PyList_GET_SIZE(blds); k++) {
                Py_ssize_t b = PyLong_AsSsize_t(PyList_GET_ITEM(blds, k));
                if ((b == -1 && PyErr_Occurred()) ||
                    want_site(site, nsites, b, swant, &remaining, &first_site) < 0) {
                    Py_DECREF(blds);
                    goto done;
                }
                if (bld_marks.mark[b] == bwant)
                    continue;
                bld_marks.mark[b] = bwant;
                if (bld_count[b]++ == 0) {
                    if (norder == cap) {
                        cap = cap ? cap * 2 : 64;
                        Py_ssize_t *o = PyMem_Realloc(order, sizeof(Py_ssize_t) * cap);
                        if (o == NULL) {
                            Py_DECREF(blds);
                            PyErr_NoMemory();
                            goto done;
                        }
                        order = o;
                    }
                    order[norder++] = b;
                }
            }
            Py_DECREF(blds);
        }
        int r = wanted_connected(sadj, nsites, swant, remaining, first_site);
        if (r < 0)
            goto done;
        ok = r;
    }
    if (!ok) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    double new_cost = 0.0;
    long multi = 0;
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        double c;
        int m = box_cost(box, start_of[g], start_of[g + 1], &prm, comps, tiny, &c);
        if (m < 0)
            goto done;
        new_cost += c;
        multi += m;
    }
    segs = segments(back, n);
    inside = PyDict_New();
    if (segs == NULL || inside == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < norder; k++) {
        PyObject *key = PyLong_FromSsize_t(order[k]);
        PyObject *val = key ? PyLong_FromLong(bld_count[order[k]]) : NULL;
        int rc = val ? PyDict_SetItem(inside, key, val) : -1;
        Py_XDECREF(key);
        Py_XDECREF(val);
        if (rc < 0)
            goto done;
    }
    result = Py_BuildValue("(OdOl)", segs, new_cost, inside, multi);
done:
    for (Py_ssize_t k = 0; k < norder; k++)
        bld_count[order[k]] = 0;
    PyMem_Free(order);
    PyMem_Free(box);
    PyMem_Free(back);
    PyMem_Free(start_of);
    PyMem_Free(comps);
    PyMem_Free(tiny);
    Py_XDECREF(segs);
    Py_XDECREF(inside);
    Py_XDECREF(comps_alive);
    return result;
}

/* ---- cost_atoms(atoms, lo, hi, t, dev, cw, cross, cross_tiny, big): engine._Cost.atoms */

static PyObject *
cost_atoms(PyObject *self, PyObject *args)
{
    PyObject *seq;
    double lo, hi, t, dev, cw, cross, cross_tiny, big;
    if (!PyArg_ParseTuple(args, "Odddddddd", &seq, &lo, &hi, &t, &dev, &cw, &cross,
                          &cross_tiny, &big))
        return NULL;
    PyObject *fast = PySequence_Fast(seq, "cost_atoms: a sequence of atoms");
    if (fast == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    PyObject *result = NULL;
    PyObject **comps = NULL;
    int *tiny = NULL;
    Py_ssize_t ncomps = 0;
    if (n == 0) {
        PyErr_SetString(PyExc_IndexError, "cost_atoms: no atoms");
        goto done;
    }
    comps = PyMem_Malloc(sizeof(PyObject *) * n);
    tiny = PyMem_Malloc(sizeof(int) * n);
    if (comps == NULL || tiny == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double s = 0.0, minx, maxx, miny, maxy;
    if (attr_double(items[0], s_minx, &minx) < 0 || attr_double(items[0], s_maxx, &maxx) < 0 ||
        attr_double(items[0], s_miny, &miny) < 0 || attr_double(items[0], s_maxy, &maxy) < 0)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *a = items[i];
        double h, x0, x1, y0, y1;
        if (attr_double(a, s_h, &h) < 0 || attr_double(a, s_minx, &x0) < 0 ||
            attr_double(a, s_maxx, &x1) < 0 || attr_double(a, s_miny, &y0) < 0 ||
            attr_double(a, s_maxy, &y1) < 0)
            goto done;
        s += h; /* households are integers: the sum is exact either way */
        if (x0 < minx)
            minx = x0;
        if (x1 > maxx)
            maxx = x1;
        if (y0 < miny)
            miny = y0;
        if (y1 > maxy)
            maxy = y1;
        PyObject *comp = PyObject_GetAttr(a, s_comp);
        if (comp == NULL)
            goto done;
        Py_ssize_t k = 0;
        for (; k < ncomps; k++) {
            int eq = PyObject_RichCompareBool(comps[k], comp, Py_EQ);
            if (eq < 0) {
                Py_DECREF(comp);
                goto done;
            }
            if (eq)
                break;
        }
        if (k == ncomps)
            comps[ncomps++] = comp; /* reference kept until done */
        else
            Py_DECREF(comp);
        if ((tiny[k] = attr_truth(a, s_tiny)) < 0)
            goto done;
    }
    long n_tiny = 0;
    for (Py_ssize_t k = 0; k < ncomps; k++)
        n_tiny += tiny[k];
    result = PyFloat_FromDouble(segment_cost(s, maxx - minx, maxy - miny, (long)ncomps, n_tiny,
                                             lo, hi, t, dev, cw, cross, cross_tiny, big));
done:
    if (comps != NULL) {
        for (Py_ssize_t k = 0; k < ncomps; k++)
            Py_DECREF(comps[k]);
    }
    PyMem_Free(comps);
    PyMem_Free(tiny);
    Py_DECREF(fast);
    return result;
}

/* ---- connected_sets(v, taken, nbr, hs, hi, max_sets): engine._connected_sets */

#define MAX_ATOMS 62

typedef struct {
    uint64_t *mask;
    long long *s;
    Py_ssize_t len, cap;
} SetBuf;

typedef struct {
    int n;
    uint64_t taken;
    long long hs[MAX_ATOMS];
    long long hi;
    int deg[MAX_ATOMS];
    int nbr[MAX_ATOMS][MAX_ATOMS];
    Py_ssize_t max_sets;
} Sets;

static int
setbuf_push(SetBuf *out, uint64_t sub, long long s)
{
    if (out->len == out->cap) {
        Py_ssize_t cap = out->cap ? 2 * out->cap : 64;
        uint64_t *m = PyMem_Realloc(out->mask, sizeof(uint64_t) * cap);
        if (m == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        out->mask = m;
        long long *h = PyMem_Realloc(out->s, sizeof(long long) * cap);
        if (h == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        out->s = h;
        out->cap = cap;
    }
    out->mask[out->len] = sub;
    out->s[out->len++] = s;
    return 0;
}

static void
setbuf_free(SetBuf *out)
{
    PyMem_Free(out->mask);
    PyMem_Free(out->s);
    out->mask = NULL;
    out->s = NULL;
    out->len = out->cap = 0;
}

/* The ESU step of engine._connected_sets_py, appending to ``out`` in the same order (and
 * stopping at the same point: after more than max_sets sets, each pending level adds one). */
static int
extend(const Sets *st, SetBuf *out, uint64_t sub, const int *ext, int next, uint64_t closed,
       long long s)
{
    if (setbuf_push(out, sub, s) < 0)
        return -1;
    if (out->len > st->max_sets)
        return 0;
    int mine[2 * MAX_ATOMS + 2];
    memcpy(mine, ext, sizeof(int) * next);
    int nmine = next;
    while (nmine) {
        int w = mine[--nmine];
        if (s + st->hs[w] > st->hi)
            continue;
        int new_ext[2 * MAX_ATOMS + 2];
        memcpy(new_ext, mine, sizeof(int) * nmine);
        int nnew = nmine;
        uint64_t new_closed = closed;
        for (int k = 0; k < st->deg[w]; k++) {
            int u = st->nbr[w][k];
            uint64_t bit = (uint64_t)1 << u;
            if (!(st->taken & bit) && !(closed & bit)) {
                new_ext[nnew++] = u;
                new_closed |= bit;
            }
        }
        uint64_t wbit = (uint64_t)1 << w;
        if (extend(st, out, sub | wbit, new_ext, nnew, new_closed | wbit, s + st->hs[w]) < 0)
            return -1;
    }
    return 0;
}

/* The connected sets containing v that avoid st->taken, into out (emptied first). */
static int
sets_of(Sets *st, SetBuf *out, int v)
{
    out->len = 0;
    uint64_t start_closed = (uint64_t)1 << v;
    int ext[2 * MAX_ATOMS + 2];
    int next = 0;
    for (int k = 0; k < st->deg[v]; k++) {
        int u = st->nbr[v][k];
        uint64_t bit = (uint64_t)1 << u;
        if (!(st->taken & bit)) {
            ext[next++] = u;
            start_closed |= bit;
        }
    }
    return extend(st, out, (uint64_t)1 << v, ext, next, start_closed, st->hs[v]);
}

static PyObject *
connected_sets(PyObject *self, PyObject *args)
{
    int v;
    unsigned long long taken;
    PyObject *nbr, *hs;
    long long hi;
    Py_ssize_t max_sets;
    if (!PyArg_ParseTuple(args, "iKO!O!Ln", &v, &taken, &PyList_Type, &nbr, &PyList_Type, &hs,
                          &hi, &max_sets))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(hs);
    if (n > MAX_ATOMS || PyList_GET_SIZE(nbr) != n || v < 0 || v >= n) {
        PyErr_SetString(PyExc_ValueError, "connected_sets: at most 62 atoms");
        return NULL;
    }
    Sets *st = PyMem_Calloc(1, sizeof(Sets));
    if (st == NULL)
        return PyErr_NoMemory();
    st->n = (int)n;
    st->taken = taken;
    st->hi = hi;
    st->max_sets = max_sets;
    PyObject *result = NULL;
    SetBuf buf = {NULL, NULL, 0, 0};
    for (Py_ssize_t i = 0; i < n; i++) {
        st->hs[i] = PyLong_AsLongLong(PyList_GET_ITEM(hs, i));
        if (st->hs[i] == -1 && PyErr_Occurred())
            goto done;
        PyObject *row = PyList_GET_ITEM(nbr, i);
        if (!PyList_Check(row) || PyList_GET_SIZE(row) > MAX_ATOMS) {
            PyErr_SetString(PyExc_ValueError, "connected_sets: bad neighbour list");
            goto done;
        }
        st->deg[i] = (int)PyList_GET_SIZE(row);
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(row); k++) {
            long u = PyLong_AsLong(PyList_GET_ITEM(row, k));
            if (u < 0 || u >= n) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_ValueError, "connected_sets: neighbour out of range");
                goto done;
            }
            st->nbr[i][k] = (int)u;
        }
    }
    if (sets_of(st, &buf, v) < 0)
        goto done;
    result = PyList_New(buf.len);
    if (result == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < buf.len; k++) {
        PyObject *pair = Py_BuildValue("(KL)", (unsigned long long)buf.mask[k], buf.s[k]);
        if (pair == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, k, pair);
    }
done:
    setbuf_free(&buf);
    PyMem_Free(st);
    return result;
}

/* ---- exact_search(atoms, site, sadj, lo, hi, t, dev, cw, cross, cross_tiny, big, max_nodes,
 *                   max_sets): engine._State._search_py
 *
 * The cheapest partition of the atoms into connected groups all within [lo, hi]: the
 * neighbour lists (atoms whose sites touch), the memoised depth-first search over the
 * lowest unassigned atom's connected sets, the step limit and the tie-breaking of the Python
 * original, and each group's cost as cost_atoms computes it (members in index order). Returns
 * the groups' masks, None when there is no such partition or the steps ran out, or False
 * when an atom touches more than MAX_NEAR sites (the Python original then runs). */

typedef struct {
    uint64_t mask, grp;
    double cost;
    int state; /* 0 empty, 1 a partition (grp, cost), 2 none */
} Memo;

typedef struct {
    Sets sets;
    double h[MAX_ATOMS], minx[MAX_ATOMS], maxx[MAX_ATOMS], miny[MAX_ATOMS], maxy[MAX_ATOMS];
    int comp[MAX_ATOMS], tiny[MAX_ATOMS];
    long long lo;
    double dlo, dhi, t, dev, cw, cross, cross_tiny, big;
    uint64_t full;
    long steps, max_nodes;
    Memo *memo;
    size_t cap; /* a power of two */
} Search;

static Memo *
memo_slot(Search *se, uint64_t mask)
{
    size_t k = (size_t)((mask * 0x9E3779B97F4A7C15ULL) >> 17) & (se->cap - 1);
    while (se->memo[k].state && se->memo[k].mask != mask)
        k = (k + 1) & (se->cap - 1);
    return &se->memo[k];
}

/* cost_atoms of the atoms in grp, taken in index order */
static double
group_cost(const Search *se, uint64_t grp)
{
    int first = __builtin_ctzll(grp);
    double s = 0.0, minx = se->minx[first], maxx = se->maxx[first];
    double miny = se->miny[first], maxy = se->maxy[first];
    int comps[MAX_ATOMS], tiny[MAX_ATOMS], ncomps = 0;
    for (uint64_t rest = grp; rest; rest &= rest - 1) {
        int k = __builtin_ctzll(rest);
        s += se->h[k];
        if (se->minx[k] < minx)
            minx = se->minx[k];
        if (se->maxx[k] > maxx)
            maxx = se->maxx[k];
        if (se->miny[k] < miny)
            miny = se->miny[k];
        if (se->maxy[k] > maxy)
            maxy = se->maxy[k];
        int c = 0;
        while (c < ncomps && comps[c] != se->comp[k])
            c++;
        if (c == ncomps)
            comps[ncomps++] = se->comp[k];
        tiny[c] = se->tiny[k];
    }
    long n_tiny = 0;
    for (int c = 0; c < ncomps; c++)
        n_tiny += tiny[c];
    return segment_cost(s, maxx - minx, maxy - miny, ncomps, n_tiny, se->dlo, se->dhi, se->t,
                        se->dev, se->cw, se->cross, se->cross_tiny, se->big);
}

/* 0: a partition of the rest (memo holds it), 1: none, 2: out of steps, -1: error */
static int
solve(Search *se, uint64_t mask, double *cost)
{
    if (mask == se->full) {
        *cost = 0.0;
        return 0;
    }
    Memo *m = memo_slot(se, mask);
    if (m->state) {
        *cost = m->cost;
        return m->state == 1 ? 0 : 1;
    }
    se->steps++;
    if (se->steps > se->max_nodes)
        return 2;
    int i = __builtin_ctzll(~mask);
    SetBuf buf = {NULL, NULL, 0, 0};
    se->sets.taken = mask;
    if (sets_of(&se->sets, &buf, i) < 0)
        return -1;
    int found = 0;
    double best = 0.0;
    uint64_t best_grp = 0;
    for (Py_ssize_t k = 0; k < buf.len; k++) {
        if (buf.s[k] < se->lo)
            continue;
        double sub;
        int r = solve(se, mask | buf.mask[k], &sub);
        if (r < 0 || r == 2) {
            setbuf_free(&buf);
            return r;
        }
        if (r == 1)
            continue;
        double c = group_cost(se, buf.mask[k]) + sub;
        if (!found || c < best - 1e-9) {
            found = 1;
            best = c;
            best_grp = buf.mask[k];
        }
    }
    setbuf_free(&buf);
    m = memo_slot(se, mask); /* the table never moves: the slot is still this mask's */
    m->mask = mask;
    m->state = found ? 1 : 2;
    m->cost = best;
    m->grp = best_grp;
    *cost = best;
    return found ? 0 : 1;
}

/* sorted distinct ints of a list into out (at most cap), returning the count or -1 */
static int
sorted_insert(long *out, int n, int cap, long v)
{
    int k = 0;
    while (k < n && out[k] < v)
        k++;
    if (k < n && out[k] == v)
        return n;
    if (n == cap)
        return -1;
    memmove(out + k + 1, out + k, sizeof(long) * (n - k));
    out[k] = v;
    return n + 1;
}

static int
meets(const long *a, int na, const long *b, int nb)
{
    int i = 0, j = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j])
            return 1;
        if (a[i] < b[j])
            i++;
        else
            j++;
    }
    return 0;
}

#define MAX_NEAR 128

static PyObject *
exact_search(PyObject *self, PyObject *args)
{
    PyObject *atoms, *site, *sadj;
    long long lo, hi;
    double t, dev, cw, cross, cross_tiny, big;
    long max_nodes;
    Py_ssize_t max_sets;
    if (!PyArg_ParseTuple(args, "O!O!O!LLddddddln", &PyList_Type, &atoms, &PyList_Type, &site,
                          &PyList_Type, &sadj, &lo, &hi, &t, &dev, &cw, &cross, &cross_tiny,
                          &big, &max_nodes, &max_sets))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(atoms);
    if (n < 1 || n > MAX_ATOMS) {
        PyErr_SetString(PyExc_ValueError, "exact_search: 1 to 62 atoms");
        return NULL;
    }
    Search *se = PyMem_Calloc(1, sizeof(Search));
    long(*own)[MAX_NEAR] = PyMem_Calloc(n, sizeof(long[MAX_NEAR]));
    long(*near)[MAX_NEAR] = PyMem_Calloc(n, sizeof(long[MAX_NEAR]));
    int *nown = PyMem_Calloc(n, sizeof(int)), *nnear = PyMem_Calloc(n, sizeof(int));
    PyObject *comps = PyList_New(0), *result = NULL;
    if (se == NULL || own == NULL || near == NULL || nown == NULL || nnear == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (comps == NULL)
        goto done;
    Py_ssize_t nsites = PyList_GET_SIZE(sadj);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *a = PyList_GET_ITEM(atoms, i);
        double h;
        if (attr_double(a, s_h, &h) < 0 || attr_double(a, s_minx, &se->minx[i]) < 0 ||
            attr_double(a, s_maxx, &se->maxx[i]) < 0 || attr_double(a, s_miny, &se->miny[i]) < 0 ||
            attr_double(a, s_maxy, &se->maxy[i]) < 0)
            goto done;
        se->h[i] = h;
        se->sets.hs[i] = (long long)h;
        if ((se->tiny[i] = attr_truth(a, s_tiny)) < 0)
            goto done;
        PyObject *comp = PyObject_GetAttr(a, s_comp);
        if (comp == NULL)
            goto done;
        Py_ssize_t c = 0;
        for (; c < PyList_GET_SIZE(comps); c++) {
            int eq = PyObject_RichCompareBool(PyList_GET_ITEM(comps, c), comp, Py_EQ);
            if (eq < 0) {
                Py_DECREF(comp);
                goto done;
            }
            if (eq)
                break;
        }
        if (c == PyList_GET_SIZE(comps) && PyList_Append(comps, comp) < 0) {
            Py_DECREF(comp);
            goto done;
        }
        Py_DECREF(comp);
        se->comp[i] = (int)c;
        PyObject *blds = PyObject_GetAttr(a, s_blds);
        if (blds == NULL)
            goto done;
        PyObject *fast = PySequence_Fast(blds, "exact_search: an atom's buildings");
        Py_DECREF(blds);
        if (fast == NULL)
            goto done;
        for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(fast); k++) {
            Py_ssize_t b = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(fast, k));
            if (b < 0 || b >= PyList_GET_SIZE(site)) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_IndexError, "exact_search: building out of range");
                Py_DECREF(fast);
                goto done;
            }
            long sb = PyLong_AsLong(PyList_GET_ITEM(site, b));
            PyObject *adj = sb >= 0 && sb < nsites ? PyList_GET_ITEM(sadj, sb) : NULL;
            if (adj == NULL || !PyList_Check(adj)) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_IndexError, "exact_search: site out of range");
                Py_DECREF(fast);
                goto done;
            }
            if ((nown[i] = sorted_insert(own[i], nown[i], MAX_NEAR, sb)) < 0 ||
                (nnear[i] = sorted_insert(near[i], nnear[i], MAX_NEAR, sb)) < 0) {
                Py_DECREF(fast);
                result = Py_NewRef(Py_False); /* too many sites: the Python search takes it */
                goto done;
            }
            for (Py_ssize_t q = 0; q < PyList_GET_SIZE(adj); q++) {
                long u = PyLong_AsLong(PyList_GET_ITEM(adj, q));
                if (u == -1 && PyErr_Occurred()) {
                    Py_DECREF(fast);
                    goto done;
                }
                if ((nnear[i] = sorted_insert(near[i], nnear[i], MAX_NEAR, u)) < 0) {
                    Py_DECREF(fast);
                    result = Py_NewRef(Py_False);
                    goto done;
                }
            }
        }
        Py_DECREF(fast);
    }
    se->sets.n = (int)n;
    se->sets.hi = hi;
    se->sets.max_sets = max_sets;
    for (Py_ssize_t i = 0; i < n; i++)
        for (Py_ssize_t j = 0; j < n; j++)
            if (j != i && (meets(own[j], nown[j], near[i], nnear[i]) ||
                           meets(own[i], nown[i], near[j], nnear[j])))
                se->sets.nbr[i][se->sets.deg[i]++] = (int)j;
    se->lo = lo;
    se->dlo = (double)lo;
    se->dhi = (double)hi;
    se->t = t;
    se->dev = dev;
    se->cw = cw;
    se->cross = cross;
    se->cross_tiny = cross_tiny;
    se->big = big;
    se->full = n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
    se->max_nodes = max_nodes;
    se->cap = 64;
    while (se->cap < 2 * (size_t)(max_nodes + 2))
        se->cap *= 2;
    se->memo = PyMem_Calloc(se->cap, sizeof(Memo));
    if (se->memo == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double cost;
    int r = solve(se, 0, &cost);
    if (r < 0)
        goto done;
    if (r != 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    result = PyList_New(0);
    if (result == NULL)
        goto done;
    for (uint64_t mask = 0; mask != se->full;) {
        Memo *m = memo_slot(se, mask);
        PyObject *g = PyLong_FromUnsignedLongLong(m->grp);
        if (g == NULL || PyList_Append(result, g) < 0) {
            Py_XDECREF(g);
            Py_CLEAR(result);
            goto done;
        }
        Py_DECREF(g);
        mask |= m->grp;
    }
done:
    if (se != NULL)
        PyMem_Free(se->memo);
    PyMem_Free(se);
    PyMem_Free(own);
    PyMem_Free(near);
    PyMem_Free(nown);
    PyMem_Free(nnear);
    Py_XDECREF(comps);
    return result;
}

/* ---- chain_order(seqs, gs): the order of engine._State._chain for two or three grids */

static PyObject *s_cx, *s_cy;

static int
end_xy(PyObject *seq, int last, double *x, double *y)
{
    Py_ssize_t n = PyList_GET_SIZE(seq);
    if (n == 0) {
        PyErr_SetString(PyExc_IndexError, "chain_order: an empty grid");
        return -1;
    }
    PyObject *a = PyList_GET_ITEM(seq, last ? n - 1 : 0);
    if (attr_double(a, s_cx, x) < 0 || attr_double(a, s_cy, y) < 0)
        return -1;
    return 0;
}

/* (x1 - x0) ** 2 + (y1 - y0) ** 2 as Python computes it: float ** 2 is pow() of |base| */
static double
sq_gap(double x0, double y0, double x1, double y1)
{
    return pow(fabs(x1 - x0), 2.0) + pow(fabs(y1 - y0), 2.0);
}

static PyObject *
chain_order(PyObject *self, PyObject *args)
{
    PyObject *seqs, *gs;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &seqs, &PyList_Type, &gs))
        return NULL;
    Py_ssize_t k = PyList_GET_SIZE(seqs);
    if ((k != 2 && k != 3) || PyList_GET_SIZE(gs) != k) {
        PyErr_SetString(PyExc_ValueError, "chain_order: two or three grids");
        return NULL;
    }
    /* xy[i][0]: first atom of grid i, xy[i][1]: its last atom */
    double xy[3][2][2];
    for (Py_ssize_t i = 0; i < k; i++) {
        PyObject *seq = PyList_GET_ITEM(seqs, i);
        if (!PyList_Check(seq)) {
            PyErr_SetString(PyExc_TypeError, "chain_order: grids are lists of atoms");
            return NULL;
        }
        if (end_xy(seq, 0, &xy[i][0][0], &xy[i][0][1]) < 0 ||
            end_xy(seq, 1, &xy[i][1][0], &xy[i][1][1]) < 0)
            return NULL;
    }
    if (k == 2) {
        int le = PyObject_RichCompareBool(PyList_GET_ITEM(gs, 0), PyList_GET_ITEM(gs, 1), Py_LE);
        if (le < 0)
            return NULL;
        int i = le ? 0 : 1, j = le ? 1 : 0;
        /* (a[-1], b[0]), (a[-1], b[-1]), (a[0], b[0]), (a[0], b[-1]) */
        int best_fa = 0, best_fb = 0, have = 0;
        double best = 0.0;
        for (int fa = 0; fa < 2; fa++) {
            for (int fb = 0; fb < 2; fb++) {
                const double *last = xy[i][fa ? 0 : 1];
                const double *first = xy[j][fb ? 1 : 0];
                double total = 0.0 + sq_gap(last[0], last[1], first[0], first[1]);
                if (!have || total < best - 1e-9) {
                    have = 1;
                    best = total;
                    best_fa = fa;
                    best_fb = fb;
                }
            }
        }
        return Py_BuildValue("((ii)(ii))", i, j, best_fa, best_fb);
    }
    /* gap[i * 2 + fi][j * 2 + fj]: grid i walked forwards (fi 0) or backwards, its last atom
       to grid j's first */
    double gap[6][6] = {{0}};
    for (int i = 0; i < 3; i++)
        for (int fi = 0; fi < 2; fi++) {
            const double *last = xy[i][fi ? 0 : 1];
            for (int j = 0; j < 3; j++) {
                if (j == i)
                    continue;
                for (int fj = 0; fj < 2; fj++) {
                    const double *first = xy[j][fj ? 1 : 0];
                    gap[i * 2 + fi][j * 2 + fj] = sq_gap(last[0], last[1], first[0], first[1]);
                }
            }
        }
    static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                    {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}; /* itertools order */
    int have = 0, bp = 0, bf[3] = {0, 0, 0};
    double best_total = INFINITY;
    for (int q = 0; q < 6; q++) {
        int i = perms[q][0], j = perms[q][1], m = perms[q][2];
        int gt = PyObject_RichCompareBool(PyList_GET_ITEM(gs, i), PyList_GET_ITEM(gs, m), Py_GT);
        if (gt < 0)
            return NULL;
        if (gt)
            continue;
        for (int fi = 0; fi < 2; fi++)
            for (int fj = 0; fj < 2; fj++) {
                double g1 = 0.0 + gap[i * 2 + fi][j * 2 + fj];
                for (int fm = 0; fm < 2; fm++) {
                    double total = g1 + gap[j * 2 + fj][m * 2 + fm];
                    if (!have || total < best_total - 1e-9) {
                        have = 1;
                        best_total = total;
                        bp = q;
                        bf[0] = fi;
                        bf[1] = fj;
                        bf[2] = fm;
                    }
                }
            }
    }
    return Py_BuildValue("((iii)(iii))", perms[bp][0], perms[bp][1], perms[bp][2], bf[0], bf[1],
                         bf[2]);
}


/* ---- batch_dp(seqs, lo, hi, t, dev, cw, big, cut_floor, cut_unit): engine._batched_dp_py
 *
 * The numpy DP of the exact core, one sequence at a time. numpy evaluates it per segment length
 * over all sequences; each element is the same expression as here, in the same order:
 * segment households from prefix sums (integers, exact), cost = (band + compactness) + cut,
 * candidate = f[start] + cost, and argmin's first minimum is the shortest segment. A segment
 * may exceed the upper bound only by its first atom; longer segments ending at the same atom
 * hold more, so the first invalid length ends the scan, as numpy's loop over lengths ends at
 * the first length with no valid segment in the whole bucket. */

static PyObject *
one_seq_dp(PyObject *seq, double lo, double hi, double t, double dev, double cw, double big,
           double cut_floor, double cut_unit)
{
    PyObject *fast = PySequence_Fast(seq, "batch_dp: a sequence of atoms");
    if (fast == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    PyObject *result = NULL;
    double *buf = PyMem_Malloc(sizeof(double) * (8 * n + 8));
    Py_ssize_t *back = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 1));
    if (buf == NULL || back == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double *x0 = buf, *x1 = buf + n, *y0 = buf + 2 * n, *y1 = buf + 3 * n;
    double *cut = buf + 4 * n, *P = buf + 5 * n, *f = buf + 6 * n + 2;
    P[0] = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *a = items[i];
        double h;
        if (attr_double(a, s_h, &h) < 0 || attr_double(a, s_minx, &x0[i]) < 0 ||
            attr_double(a, s_maxx, &x1[i]) < 0 || attr_double(a, s_miny, &y0[i]) < 0 ||
            attr_double(a, s_maxy, &y1[i]) < 0)
            goto done;
        P[i + 1] = P[i] + h;
        if (i == 0) {
            cut[0] = 0.0;
            continue;
        }
        int same = ends_equal(items[i - 1], a, 1);
        if (same < 0)
            goto done;
        if (same) {
            cut[i] = cut_floor;
            continue;
        }
        same = ends_equal(items[i - 1], a, 0);
        if (same < 0)
            goto done;
        if (same) {
            int small = attr_truth(items[i - 1], s_small);
            if (small < 0)
                goto done;
            cut[i] = small ? INFINITY : cut_unit; /* engine._cut_cost's default: never */
        }
        else
            cut[i] = 0.0;
    }
    const double four_pi = 4.0 * M_PI;
    const double pi16 = 16.0 * M_PI;
    const double corner = (4.0 - M_PI) * 64.0;
    f[0] = 0.0;
    for (Py_ssize_t j = 1; j <= n; j++) {
        double best = INFINITY;
        Py_ssize_t arg = 1;
        double mnx = INFINITY, mxx = -INFINITY, mny = INFINITY, mxy = -INFINITY;
        for (Py_ssize_t w = 1; w <= j; w++) {
            Py_ssize_t i = j - w;
            if (w > 1 && P[j] - P[i + 1] > hi)
                break;
            if (x0[i] < mnx)
                mnx = x0[i];
            if (x1[i] > mxx)
                mxx = x1[i];
            if (y0[i] < mny)
                mny = y0[i];
            if (y1[i] > mxy)
                mxy = y1[i];
            double s = P[j] - P[i];
            double d = (s - t) / t;
            double band;
            if (s < lo)
                band = big + 100.0 * (lo - s) / t;
            else if (s > hi)
                band = big + 100.0 * (s - hi) / t;
            else
                band = dev * d * d;
            double ww = mxx - mnx;
            double hh = mxy - mny;
            double area = (ww + 16.0) * (hh + 16.0) - corner;
            double per = 2.0 * (ww + hh) + pi16;
            double c = band + cw * (1.0 - four_pi * area / (per * per)) + cut[i];
            double cand = f[i] + c;
            if (cand < best) {
                best = cand;
                arg = w;
            }
        }
        f[j] = best;
        back[j] = arg;
    }
    Py_ssize_t count = 0;
    for (Py_ssize_t j = n; j > 0; j -= back[j])
        count++;
    PyObject *segs = PyList_New(count);
    if (segs == NULL)
        goto done;
    Py_ssize_t pos = count;
    for (Py_ssize_t j = n; j > 0; j -= back[j]) {
        PyObject *pair = Py_BuildValue("(nn)", j - back[j], j);
        if (pair == NULL) {
            Py_DECREF(segs);
            goto done;
        }
        PyList_SET_ITEM(segs, --pos, pair);
    }
    result = Py_BuildValue("(dN)", f[n], segs);
done:
    PyMem_Free(buf);
    PyMem_Free(back);
    Py_DECREF(fast);
    return result;
}

static PyObject *
batch_dp(PyObject *self, PyObject *args)
{
    PyObject *seqs;
    double lo, hi, t, dev, cw, big, cut_floor, cut_unit;
    if (!PyArg_ParseTuple(args, "O!dddddddd", &PyList_Type, &seqs, &lo, &hi, &t, &dev, &cw,
                          &big, &cut_floor, &cut_unit))
        return NULL;
    Py_ssize_t k = PyList_GET_SIZE(seqs);
    PyObject *out = PyList_New(k);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t r = 0; r < k; r++) {
        PyObject *res = one_seq_dp(PyList_GET_ITEM(seqs, r), lo, hi, t, dev, cw, big, cut_floor,
                                   cut_unit);
        if (res == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, r, res);
    }
    return out;
}


/* ---- pitch(blds, bld_xy, site, sadj, site_blds, bld_comp, comp): engine._pitch_py's threshold
 *
 * 0.35 × the median distance from each building to its nearest building at a neighbouring
 * site (of compound `comp`, or of any compound when `comp` is -1), at least 4 m. */

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int
xy_of(PyObject *bld_xy, Py_ssize_t b, double *x, double *y)
{
    PyObject *p = PyList_GET_ITEM(bld_xy, b);
    if (!PyTuple_Check(p) || PyTuple_GET_SIZE(p) != 2) {
        PyErr_SetString(PyExc_TypeError, "pitch: points are (x, y) tuples");
        return -1;
    }
    *x = PyFloat_AsDouble(PyTuple_GET_ITEM(p, 0));
    if (*x == -1.0 && PyErr_Occurred())
        return -1;
    *y = PyFloat_AsDouble(PyTuple_GET_ITEM(p, 1));
    if (*y == -1.0 && PyErr_Occurred())
        return -1;
    return 0;
}

static Py_ssize_t
index_at(PyObject *list, Py_ssize_t i, Py_ssize_t bound)
{
    if (i < 0 || i >= PyList_GET_SIZE(list)) {
        PyErr_SetString(PyExc_IndexError, "pitch: index out of range");
        return -1;
    }
    Py_ssize_t v = PyLong_AsSsize_t(PyList_GET_ITEM(list, i));
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < 0 || v >= bound) {
        PyErr_SetString(PyExc_IndexError, "pitch: index out of range");
        return -1;
    }
    return v;
}

static PyObject *
pitch(PyObject *self, PyObject *args)
{
    PyObject *blds, *bld_xy, *site, *sadj, *site_blds, *bld_comp;
    Py_ssize_t comp;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!n", &PyList_Type, &blds, &PyList_Type, &bld_xy,
                          &PyList_Type, &site, &PyList_Type, &sadj, &PyList_Type, &site_blds,
                          &PyList_Type, &bld_comp, &comp))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(blds), nb = PyList_GET_SIZE(bld_xy);
    Py_ssize_t ns = PyList_GET_SIZE(sadj);
    double *nn = PyMem_Malloc(sizeof(double) * (n + 1));
    if (nn == NULL)
        return PyErr_NoMemory();
    Py_ssize_t count = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t b = index_at(blds, k, nb);
        if (b < 0)
            goto fail;
        double bx, by;
        if (xy_of(bld_xy, b, &bx, &by) < 0)
            goto fail;
        Py_ssize_t sb = index_at(site, b, ns);
        if (sb < 0)
            goto fail;
        PyObject *around = PyList_GET_ITEM(sadj, sb);
        int have = 0;
        double best = 0.0;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(around); i++) {
            Py_ssize_t t = index_at(around, i, ns);
            if (t < 0)
                goto fail;
            PyObject *at = PyList_GET_ITEM(site_blds, t);
            for (Py_ssize_t q = 0; q < PyList_GET_SIZE(at); q++) {
                Py_ssize_t c = index_at(at, q, nb);
                if (c < 0)
                    goto fail;
                if (comp >= 0) {
                    Py_ssize_t cc = index_at(bld_comp, c, PY_SSIZE_T_MAX);
                    if (cc < 0)
                        goto fail;
                    if (cc != comp)
                        continue;
                }
                Py_ssize_t sc = index_at(site, c, ns);
                if (sc < 0)
                    goto fail;
                if (sc == sb)
                    continue;
                double cx, cy;
                if (xy_of(bld_xy, c, &cx, &cy) < 0)
                    goto fail;
                double d = pow(fabs(bx - cx), 2.0) + pow(fabs(by - cy), 2.0);
                if (!have || d < best) {
                    have = 1;
                    best = d;
                }
            }
        }
        if (have)
            nn[count++] = sqrt(best);
    }
    double thr = 4.0;
    if (count) {
        qsort(nn, count, sizeof(double), cmp_double);
        double x = 0.35 * nn[count / 2];
        thr = x > 4.0 ? x : 4.0;
    }
    PyMem_Free(nn);
    return PyFloat_FromDouble(thr);
fail:
    PyMem_Free(nn);
    return NULL;
}


/* ---- strict_adjacency(pts, simplices, neighbors): the end of geometry.strict_delaunay_py
 *
 * pts: (n, 2) float64, centred as geometry does it (numpy's mean stays in numpy); simplices and
 * neighbors: qhull's (m, 3) int32 arrays. Each triangle edge is tested once (from the lower
 * triangle), an inner edge dropped when its two triangles are co-circular: |det| of the lifted
 * 3×3 matrix <= 1e-9 × (Σ squared entries)², in numpy's element order (sums left to right).
 * Returns each point's sorted neighbours. */

static int
get_view(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, char kind, Py_ssize_t cols)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    const char *fmt = view->format ? view->format : "B";
    if (*fmt == '=' || *fmt == '<' || *fmt == '@')
        fmt++;
    int ok = view->ndim == 2 && view->itemsize == itemsize && view->shape[1] == cols &&
             (fmt[0] == kind || (kind == 'i' && fmt[0] == 'l' && itemsize == sizeof(long))) &&
             fmt[1] == '\0';
    if (!ok) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_TypeError, "strict_adjacency: unexpected array layout");
        return -1;
    }
    return 0;
}

static int
cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* ---- strict_delaunay(points): geometry.strict_delaunay_neighbours without qhull
 *
 * The Delaunay triangulation of the distinct sites, computed here from the points, then the
 * same co-circularity test as strict_adjacency (cocircular_det) on every inner edge.
 *
 * Like geometry's qhull path, the points are centred (numpy's mean: a sequential sum / n);
 * exactly collinear centred points give 0 (geometry builds the chain, as after qhull's error).
 * The triangulation is of the centred points scaled by their largest |coordinate| (the points
 * the co-circularity test uses, all in [-1, 1]): incremental insertion in Hilbert-curve order,
 * a visibility walk from the previous point's triangle, and Lawson flips; the hull is closed by
 * "ghost" triangles sharing one vertex at infinity, so a point outside the hull is inserted
 * like any other. The two predicates, orient and incircle, are exact for doubles: a float
 * evaluation with a bound on its rounding error and, when the bound does not settle the sign,
 * an exact evaluation on floating-point expansions (a sum of non-overlapping doubles, made with
 * error-free sums and products). With exact predicates the walk ends (it always does in a
 * Delaunay triangulation) and the result is a Delaunay triangulation of the scaled points.
 *
 * Then the edges: a hull edge is kept; an inner edge is dropped when its two triangles are
 * co-circular by cocircular_det, the test strict_adjacency applies after qhull.
 *
 * The answer is qhull's except where qhull's floating-point tolerance, not the geometry,
 * decides it. An inner edge whose ratio |det| / (1e-9 × size) lies in [0.5, 2] seen from
 * either of its two triangles (qhull tests it from the triangle it numbers lower: its choice
 * could go either way, and so could another checker's) is dropped, like a co-circular one: an
 * edge is kept only where every triangulation of the points moved by a rounding error has it,
 * so a grid connected here is connected in each of them — unless dropping them leaves the
 * graph in pieces (a point all of whose edges are near the tolerance), when qhull decides
 * (DL_NEAR_TOLERANCE).
 * With `report & 2` (the tests) such an edge gives DL_NEAR_TOLERANCE (2) instead. Returned instead of the lists: DL_COLLINEAR (0) for exactly collinear
 * points, and, where qhull must decide (geometry asks it), DL_OTHER (3) for a needle (a triangle of height below 1e-10 × its longest edge and shortest
 * edge below 1e-4 × it: two points a hair apart in line with a third), two scaled points
 * equal, a non-finite coordinate or a walk longer than its bound. Where the points are
 * co-circular to well within the tolerance, every triangulation drops every diagonal, so which
 * one qhull picks does not matter.
 *
 * One difference is by design: a cap sliver (height below 1e-10 × the longest edge, the
 * opposite vertex a hair inside it: a rotated row of buildings along the hull, a row whose
 * y differ in the last bit). Whether it exists hangs on the last bits of the coordinates;
 * qhull keeps it, leaves it out, or makes it flat or inverted (and may then drop a true hull
 * edge as "co-circular" with the flat triangle), and another checker's triangulation need not
 * have its long edge. So the long edge is dropped (the two short ones join its ends) and the
 * short ones are kept untested: an edge only where every triangulation of the points moved by
 * a rounding error has one. With `report & 1` (the tests) a cap gives DL_SLIVER (1). */

#define DL_EPS 1.1102230246251565e-16 /* 2^-53 */
#define DL_SPLITTER 134217729.0       /* 2^27 + 1 */

/* a + b = x + y exactly */
static inline void
two_sum(double a, double b, double *x, double *y)
{
    double s = a + b;
    double bv = s - a;
    double av = s - bv;
    *x = s;
    *y = (a - av) + (b - bv);
}

/* a * b = x + y exactly (Veltkamp's split and Dekker's product; no fused multiply-add) */
static inline void
two_product(double a, double b, double *x, double *y)
{
    double p = a * b;
    double c = DL_SPLITTER * a;
    double ahi = c - (c - a), alo = a - ahi;
    c = DL_SPLITTER * b;
    double bhi = c - (c - b), blo = b - bhi;
    double err = p - ahi * bhi;
    err -= alo * bhi;
    err -= ahi * blo;
    *x = p;
    *y = alo * blo - err;
}

/* h = e + b, e an expansion (non-overlapping, increasing magnitude), zero components dropped;
 * h may be e. Returns h's length. */
static int
grow_expansion(int elen, const double *e, double b, double *h)
{
    double q = b;
    int k = 0;
    for (int i = 0; i < elen; i++) {
        double s, t;
        two_sum(q, e[i], &s, &t);
        q = s;
        if (t != 0.0)
            h[k++] = t;
    }
    if (q != 0.0 || k == 0)
        h[k++] = q;
    return k;
}

/* h = e + f (h distinct from f; h may be e) */
static int
expansion_sum(int elen, const double *e, int flen, const double *f, double *h)
{
    if (h != e)
        memcpy(h, e, sizeof(double) * elen);
    int hlen = elen;
    for (int i = 0; i < flen; i++)
        hlen = grow_expansion(hlen, h, f[i], h);
    return hlen;
}

/* h = e * b (h distinct from e) */
static int
scale_expansion(int elen, const double *e, double b, double *h)
{
    double q, t;
    int k = 0;
    two_product(e[0], b, &q, &t);
    if (t != 0.0)
        h[k++] = t;
    for (int i = 1; i < elen; i++) {
        double p1, p0, s;
        two_product(e[i], b, &p1, &p0);
        two_sum(q, p0, &s, &t);
        if (t != 0.0)
            h[k++] = t;
        two_sum(p1, s, &q, &t);
        if (t != 0.0)
            h[k++] = t;
    }
    if (q != 0.0 || k == 0)
        h[k++] = q;
    return k;
}

/* h = e * f; tmp holds 2 * elen doubles */
static int
expansion_product(int elen, const double *e, int flen, const double *f, double *h, double *tmp)
{
    int hlen = 1;
    h[0] = 0.0;
    for (int i = 0; i < flen; i++) {
        int tlen = scale_expansion(elen, e, f[i], tmp);
        hlen = expansion_sum(hlen, h, tlen, tmp, h);
    }
    return hlen;
}

static inline int
expansion_sign(int elen, const double *e)
{
    double top = e[elen - 1]; /* zero-free: the largest component has the sum's sign */
    return (top > 0.0) - (top < 0.0);
}

/* sign of (a - c) × (b - c): > 0 when a, b, c turn counter-clockwise */
static int
orient_exact(const double *a, const double *b, const double *c)
{
    /* ax·by − ax·cy − cx·by − ay·bx + ay·cx + cy·bx, each product as two doubles */
    const double terms[6][2] = {{a[0], b[1]}, {-a[0], c[1]}, {-c[0], b[1]},
                                {-a[1], b[0]}, {a[1], c[0]}, {c[1], b[0]}};
    double h[12];
    int hlen = 1;
    h[0] = 0.0;
    for (int i = 0; i < 6; i++) {
        double x, y;
        two_product(terms[i][0], terms[i][1], &x, &y);
        hlen = grow_expansion(hlen, h, y, h);
        hlen = grow_expansion(hlen, h, x, h);
    }
    return expansion_sign(hlen, h);
}

static int
orient(const double *a, const double *b, const double *c)
{
    double left = (a[0] - c[0]) * (b[1] - c[1]);
    double right = (a[1] - c[1]) * (b[0] - c[0]);
    double det = left - right;
    /* rounding error of det is below 3ε·(|left| + |right|) (plus ε² terms): 4ε is safe */
    double bound = 4.0 * DL_EPS * (fabs(left) + fabs(right));
    if (det > bound)
        return 1;
    if (-det > bound)
        return -1;
    return orient_exact(a, b, c);
}

/* x·y − z·w of two-double expansions (each ≤ 2 components): ≤ 16 components */
static int
cross2(int xl, const double *x, int yl, const double *y, int zl, const double *z, int wl,
       const double *w, double *h)
{
    double p[8], q[8], tmp[4];
    int pl = expansion_product(xl, x, yl, y, p, tmp);
    int ql = expansion_product(zl, z, wl, w, q, tmp);
    for (int i = 0; i < ql; i++)
        q[i] = -q[i];
    return expansion_sum(pl, p, ql, q, h);
}

static int
diff2(double a, double b, double *h)
{
    double x, y;
    two_sum(a, -b, &x, &y);
    if (y == 0.0) {
        h[0] = x;
        return 1;
    }
    h[0] = y;
    h[1] = x;
    return 2;
}

/* sign of the lifted determinant: > 0 when d is inside the circle through a, b, c (ccw) */
static int
incircle_exact(const double *a, const double *b, const double *c, const double *d)
{
    double ax[2], ay[2], bx[2], by[2], cx[2], cy[2];
    int axl = diff2(a[0], d[0], ax), ayl = diff2(a[1], d[1], ay);
    int bxl = diff2(b[0], d[0], bx), byl = diff2(b[1], d[1], by);
    int cxl = diff2(c[0], d[0], cx), cyl = diff2(c[1], d[1], cy);
    double bc[16], ca[16], ab[16], lift[16], t1[8], t2[8], tmp[32], part[512], det[1536];
    int bcl = cross2(bxl, bx, cyl, cy, byl, by, cxl, cx, bc);
    int cal = cross2(cxl, cx, ayl, ay, cyl, cy, axl, ax, ca);
    int abl = cross2(axl, ax, byl, by, ayl, ay, bxl, bx, ab);
    int detl = 1;
    det[0] = 0.0;
    const double *xs[3] = {ax, bx, cx}, *ys[3] = {ay, by, cy};
    const int xls[3] = {axl, bxl, cxl}, yls[3] = {ayl, byl, cyl};
    const double *crosses[3] = {bc, ca, ab};
    const int cls[3] = {bcl, cal, abl};
    for (int r = 0; r < 3; r++) {
        int l1 = expansion_product(xls[r], xs[r], xls[r], xs[r], t1, tmp);
        int l2 = expansion_product(yls[r], ys[r], yls[r], ys[r], t2, tmp);
        int ll = expansion_sum(l1, t1, l2, t2, lift);
        int pl = expansion_product(cls[r], crosses[r], ll, lift, part, tmp);
        detl = expansion_sum(detl, det, pl, part, det);
    }
    return expansion_sign(detl, det);
}

static int
incircle(const double *a, const double *b, const double *c, const double *d)
{
    double adx = a[0] - d[0], ady = a[1] - d[1];
    double bdx = b[0] - d[0], bdy = b[1] - d[1];
    double cdx = c[0] - d[0], cdy = c[1] - d[1];
    double bdxcdy = bdx * cdy, cdxbdy = cdx * bdy;
    double cdxady = cdx * ady, adxcdy = adx * cdy;
    double adxbdy = adx * bdy, bdxady = bdx * ady;
    double alift = adx * adx + ady * ady;
    double blift = bdx * bdx + bdy * bdy;
    double clift = cdx * cdx + cdy * cdy;
    double det = alift * (bdxcdy - cdxbdy) + blift * (cdxady - adxcdy) + clift * (adxbdy - bdxady);
    double permanent = (fabs(bdxcdy) + fabs(cdxbdy)) * alift +
                       (fabs(cdxady) + fabs(adxcdy)) * blift + (fabs(adxbdy) + fabs(bdxady)) * clift;
    /* rounding error of det is below 10ε·permanent (plus ε² terms): 12ε is safe */
    double bound = 12.0 * DL_EPS * permanent;
    if (det > bound)
        return 1;
    if (-det > bound)
        return -1;
    return incircle_exact(a, b, c, d);
}

/* The lifted determinant and its size, as strict_adjacency computes them: the rows are a, b, c
 * relative to d. An edge is co-circular (dropped) when !(|det| > 1e-9 × size). */
static inline void
cocircular_det(const double *pa, const double *pb, const double *pc, const double *pd,
               double *det_out, double *size_out)
{
    const double *vs[3] = {pa, pb, pc};
    double mm[3][2], lift[3];
    for (int r = 0; r < 3; r++) {
        mm[r][0] = vs[r][0] - pd[0];
        mm[r][1] = vs[r][1] - pd[1];
        lift[r] = mm[r][0] * mm[r][0] + mm[r][1] * mm[r][1];
    }
    *det_out = mm[0][0] * (mm[1][1] * lift[2] - lift[1] * mm[2][1]) -
               mm[0][1] * (mm[1][0] * lift[2] - lift[1] * mm[2][0]) +
               lift[0] * (mm[1][0] * mm[2][1] - mm[1][1] * mm[2][0]);
    double sum = mm[0][0] * mm[0][0];
    sum += mm[0][1] * mm[0][1];
    sum += mm[1][0] * mm[1][0];
    sum += mm[1][1] * mm[1][1];
    sum += mm[2][0] * mm[2][0];
    sum += mm[2][1] * mm[2][1];
    double size = sum > 1e-30 ? sum : 1e-30;
    *size_out = size * size;
}

/* strict_delaunay's answers other than the adjacency lists */
enum { DL_COLLINEAR = 0, DL_SLIVER = 1, DL_NEAR_TOLERANCE = 2, DL_OTHER = 3 };

typedef struct {
    int v[3]; /* counter-clockwise; the vertex at infinity is n (the number of points) */
    int n[3]; /* n[k]: the triangle across the edge opposite v[k] */
} DlTri;

typedef struct {
    const double *pts; /* 2 per point */
    int n;             /* the vertex at infinity */
    DlTri *tri;
    int ntri;
    int *stack;
    int nstack;
} Dl;

static inline int
dl_ghost(const Dl *dl, int t)
{
    const int *v = dl->tri[t].v;
    return v[0] == dl->n || v[1] == dl->n || v[2] == dl->n;
}

static inline void
dl_relink(Dl *dl, int t, int old, int new)
{
    if (t < 0)
        return;
    int *nb = dl->tri[t].n;
    for (int k = 0; k < 3; k++)
        if (nb[k] == old) {
            nb[k] = new;
            return;
        }
}

static inline int
dl_between(const double *a, const double *b, const double *p)
{
    if (a[0] != b[0])
        return (a[0] < p[0] && p[0] < b[0]) || (b[0] < p[0] && p[0] < a[0]);
    return (a[1] < p[1] && p[1] < b[1]) || (b[1] < p[1] && p[1] < a[1]);
}

/* Is p inside the circumcircle of triangle t (for a ghost triangle: strictly outside its hull
 * edge, or on the open edge)? */
static int
dl_inside(const Dl *dl, int t, int p)
{
    const int *v = dl->tri[t].v;
    const double *P = dl->pts;
    int inf = -1;
    for (int k = 0; k < 3; k++)
        if (v[k] == dl->n)
            inf = k;
    if (inf < 0)
        return incircle(P + 2 * v[0], P + 2 * v[1], P + 2 * v[2], P + 2 * p) > 0;
    const double *a = P + 2 * v[(inf + 1) % 3], *b = P + 2 * v[(inf + 2) % 3];
    int o = orient(a, b, P + 2 * p);
    return o > 0 || (o == 0 && dl_between(a, b, P + 2 * p));
}

/* the Lawson flips after inserting p: every triangle on the stack has p as a vertex */
static void
dl_flip_all(Dl *dl, int p)
{
    while (dl->nstack > 0) {
        int t = dl->stack[--dl->nstack];
        DlTri *T = &dl->tri[t];
        int k = T->v[0] == p ? 0 : T->v[1] == p ? 1 : 2;
        int u = T->v[(k + 1) % 3], v = T->v[(k + 2) % 3];
        int N = T->n[k];
        DlTri *M = &dl->tri[N];
        int j = M->n[0] == t ? 0 : M->n[1] == t ? 1 : 2;
        if (!dl_inside(dl, N, p))
            continue;
        int w = M->v[j];
        int a_nb = M->n[(j + 1) % 3]; /* across u-w */
        int c_nb = M->n[(j + 2) % 3]; /* across w-v */
        int d_nb = T->n[(k + 1) % 3]; /* across v-p */
        int b_nb = T->n[(k + 2) % 3]; /* across p-u */
        T->v[0] = p, T->v[1] = u, T->v[2] = w;
        T->n[0] = a_nb, T->n[1] = N, T->n[2] = b_nb;
        M->v[0] = p, M->v[1] = w, M->v[2] = v;
        M->n[0] = c_nb, M->n[1] = d_nb, M->n[2] = t;
        dl_relink(dl, a_nb, N, t);
        dl_relink(dl, d_nb, t, N);
        dl->stack[dl->nstack++] = t;
        dl->stack[dl->nstack++] = N;
    }
}

/* The triangle containing p (closed; a ghost when p is outside the hull), walking from t;
 * -1 when p equals a vertex or the walk is too long. */
static int
dl_locate(const Dl *dl, int t, int p, long long max_steps)
{
    const double *P = dl->pts, *pp = P + 2 * p;
    if (dl_ghost(dl, t)) {
        const int *v = dl->tri[t].v;
        int k = v[0] == dl->n ? 0 : v[1] == dl->n ? 1 : 2;
        t = dl->tri[t].n[k];
    }
    unsigned turn = (unsigned)p;
    for (long long step = 0; step < max_steps; step++) {
        const DlTri *T = &dl->tri[t];
        int moved = 0;
        for (int r = 0; r < 3 && !moved; r++) {
            int k = (int)((turn + r) % 3);
            int e0 = T->v[(k + 1) % 3], e1 = T->v[(k + 2) % 3];
            if (orient(P + 2 * e0, P + 2 * e1, pp) < 0) {
                t = T->n[k];
                moved = 1;
            }
        }
        turn++;
        if (!moved) {
            for (int k = 0; k < 3; k++) {
                const double *q = P + 2 * T->v[k];
                if (q[0] == pp[0] && q[1] == pp[1])
                    return -1;
            }
            return t;
        }
        if (dl_ghost(dl, t))
            return t;
    }
    return -1;
}

/* split t = (a, b, c) at p into (a, b, p), (b, c, p), (c, a, p) and flip */
static void
dl_insert(Dl *dl, int t, int p)
{
    DlTri old = dl->tri[t];
    int t1 = dl->ntri++, t2 = dl->ntri++;
    int a = old.v[0], b = old.v[1], c = old.v[2];
    dl->tri[t] = (DlTri){{a, b, p}, {t1, t2, old.n[2]}};
    dl->tri[t1] = (DlTri){{b, c, p}, {t2, t, old.n[0]}};
    dl->tri[t2] = (DlTri){{c, a, p}, {t, t1, old.n[1]}};
    dl_relink(dl, old.n[0], t, t1);
    dl_relink(dl, old.n[1], t, t2);
    dl->nstack = 0;
    dl->stack[dl->nstack++] = t;
    dl->stack[dl->nstack++] = t1;
    dl->stack[dl->nstack++] = t2;
    dl_flip_all(dl, p);
}

/* index of (x, y) in [0, 2^16)² along a Hilbert curve (the order of insertion: short walks) */
static uint64_t
hilbert_index(uint32_t x, uint32_t y)
{
    uint64_t d = 0;
    for (uint32_t s = 1u << 15; s > 0; s >>= 1) {
        uint32_t rx = (x & s) > 0, ry = (y & s) > 0;
        d += (uint64_t)s * s * ((3 * rx) ^ ry);
        if (ry == 0) {
            if (rx == 1) {
                x = 65535 - x;
                y = 65535 - y;
            }
            uint32_t tmp = x;
            x = y;
            y = tmp;
        }
    }
    return d;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int
uf_find(int *parent, int x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* whether the edges join all n points (1), or not (0); -1 out of memory */
static int
edges_connect(Py_ssize_t n, Py_ssize_t m, const int *src, const int *dst)
{
    int *parent = PyMem_Malloc(sizeof(int) * (n + 1));
    if (parent == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        parent[i] = (int)i;
    Py_ssize_t parts = n;
    for (Py_ssize_t e = 0; e < m; e++) {
        int a = uf_find(parent, src[e]), b = uf_find(parent, dst[e]);
        if (a != b) {
            parent[a] = b;
            parts--;
        }
    }
    PyMem_Free(parent);
    return parts == 1;
}

/* the kept edges' adjacency lists (sorted) as a list of lists */
static PyObject *
adjacency_lists(Py_ssize_t n, Py_ssize_t kept, const int *src, const int *dst)
{
    PyObject *result = NULL;
    int *deg = PyMem_Calloc(n + 1, sizeof(int));
    int *start = PyMem_Malloc(sizeof(int) * (n + 1));
    int *fill = PyMem_Calloc(n + 1, sizeof(int));
    int *adj = PyMem_Malloc(sizeof(int) * (2 * kept + 1));
    if (!deg || !start || !fill || !adj) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t e = 0; e < kept; e++) {
        deg[src[e]]++;
        deg[dst[e]]++;
    }
    int acc = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        start[i] = acc;
        acc += deg[i];
    }
    for (Py_ssize_t e = 0; e < kept; e++) {
        adj[start[src[e]] + fill[src[e]]++] = dst[e];
        adj[start[dst[e]] + fill[dst[e]]++] = src[e];
    }
    result = PyList_New(n);
    if (result == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        qsort(adj + start[i], deg[i], sizeof(int), cmp_int);
        PyObject *row = PyList_New(deg[i]);
        if (row == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        for (int q = 0; q < deg[i]; q++) {
            PyObject *v = PyLong_FromLong(adj[start[i] + q]);
            if (v == NULL) {
                Py_DECREF(row);
                Py_CLEAR(result);
                goto done;
            }
            PyList_SET_ITEM(row, q, v);
        }
        PyList_SET_ITEM(result, i, row);
    }
done:
    PyMem_Free(deg);
    PyMem_Free(start);
    PyMem_Free(fill);
    PyMem_Free(adj);
    return result;
}

/* The co-circularity test of inner edge a-b between triangles (a, b, c) and (b, a, d), from
 * both triangles (each with the other's off vertex): 1 kept, 0 dropped, each with |det| beyond
 * the threshold by the factor `margin` (below it by margin, above it by 1 / margin), -1 when
 * that is not so from both sides. */
static int
edge_test(const double *pts, int a, int b, int c, int d, double margin)
{
    double det1, size1, det2, size2;
    cocircular_det(pts + 2 * a, pts + 2 * b, pts + 2 * c, pts + 2 * d, &det1, &size1);
    cocircular_det(pts + 2 * b, pts + 2 * a, pts + 2 * d, pts + 2 * c, &det2, &size2);
    double lim1 = 1e-9 * size1, lim2 = 1e-9 * size2;
    if (fabs(det1) < margin * lim1 && fabs(det2) < margin * lim2)
        return 0;
    if (fabs(det1) * margin > lim1 && fabs(det2) * margin > lim2)
        return 1;
    return -1;
}

/* The apexes edge k of triangle t may have in some triangulation: its own, and the far vertex
 * across each other flexible edge of t (flipping that edge gives the edge this apex). */
static int
apexes(const Dl *dl, const char *flexible, int t, int k, int *out)
{
    const DlTri *T = &dl->tri[t];
    int count = 0;
    out[count++] = T->v[k];
    for (int r = 1; r < 3; r++) {
        int e = (k + r) % 3;
        if (!flexible[3 * t + e])
            continue;
        const DlTri *M = &dl->tri[T->n[e]];
        int j = M->n[0] == t ? 0 : M->n[1] == t ? 1 : 2;
        out[count++] = M->v[j];
    }
    return count;
}

/* pts = arr / (max |arr| or 1.0), as geometry.strict_delaunay_neighbours scales (n points) */
static void
scale_points(const double *arr, Py_ssize_t n, double *pts)
{
    double scale = 0.0;
    for (Py_ssize_t i = 0; i < 2 * n; i++) {
        double v = fabs(arr[i]);
        if (v > scale || i == 0)
            scale = v;
    }
    if (scale == 0.0)
        scale = 1.0;
    for (Py_ssize_t i = 0; i < 2 * n; i++)
        pts[i] = arr[i] / scale;
}

/* 0 / 1 / adjacency lists, see the comment above; the points are n ≥ 3 distinct (x, y) */
static PyObject *
strict_delaunay(PyObject *self, PyObject *args)
{
    PyObject *seq;
    int report = 0;
    if (!PyArg_ParseTuple(args, "O|i", &seq, &report))
        return NULL;
    PyObject *fast = PySequence_Fast(seq, "strict_delaunay: a sequence of (x, y)");
    if (fast == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    PyObject *result = NULL;
    double *arr = NULL, *pts = NULL;
    uint64_t *keys = NULL;
    int *src = NULL, *dst = NULL;
    signed char *long_edge = NULL;
    char *flexible = NULL;
    Dl dl = {0};
    if (n < 3 || n > (INT32_MAX - 16) / 3) {
        PyErr_SetString(PyExc_ValueError, "strict_delaunay: 3 to 700 million points");
        goto done;
    }
    arr = PyMem_Malloc(sizeof(double) * 2 * n);
    pts = PyMem_Malloc(sizeof(double) * 2 * (n + 1));
    keys = PyMem_Malloc(sizeof(uint64_t) * n);
    dl.tri = PyMem_Malloc(sizeof(DlTri) * (2 * n + 8));
    dl.stack = PyMem_Malloc(sizeof(int) * (4 * n + 16));
    src = PyMem_Malloc(sizeof(int) * (3 * n + 8));
    dst = PyMem_Malloc(sizeof(int) * (3 * n + 8));
    long_edge = PyMem_Malloc(2 * n + 8);
    flexible = PyMem_Malloc(3 * (2 * n + 8));
    if (!arr || !pts || !keys || !dl.tri || !dl.stack || !src || !dst || !long_edge ||
        !flexible) {
        PyErr_NoMemory();
        goto done;
    }
    double sx = 0.0, sy = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *xy = items[i];
        if (!PyTuple_Check(xy) || PyTuple_GET_SIZE(xy) != 2) {
            PyErr_SetString(PyExc_TypeError, "strict_delaunay: a point is not an (x, y) tuple");
            goto done;
        }
        double x = PyFloat_AsDouble(PyTuple_GET_ITEM(xy, 0));
        if (x == -1.0 && PyErr_Occurred())
            goto done;
        double y = PyFloat_AsDouble(PyTuple_GET_ITEM(xy, 1));
        if (y == -1.0 && PyErr_Occurred())
            goto done;
        if (!isfinite(x) || !isfinite(y)) {
            result = PyLong_FromLong(DL_OTHER); /* qhull decides (it raises) */
            goto done;
        }
        arr[2 * i] = x, arr[2 * i + 1] = y;
        sx += x, sy += y;
    }
    /* arr - arr.mean(axis=0), as numpy does it */
    double mx = sx / (double)n, my = sy / (double)n;
    for (Py_ssize_t i = 0; i < n; i++)
        arr[2 * i] -= mx, arr[2 * i + 1] -= my;
    /* all collinear (qhull's error, geometry's chain)? exactly, on the centred points */
    Py_ssize_t second = -1, third = -1;
    for (Py_ssize_t i = 1; i < n && second < 0; i++)
        if (arr[2 * i] != arr[0] || arr[2 * i + 1] != arr[1])
            second = i;
    for (Py_ssize_t i = 1; i < n && second >= 0 && third < 0; i++)
        if (orient(arr, arr + 2 * second, arr + 2 * i) != 0)
            third = i;
    if (third < 0) {
        result = PyLong_FromLong(DL_COLLINEAR);
        goto done;
    }
    scale_points(arr, n, pts);
    pts[2 * n] = pts[2 * n + 1] = 0.0; /* the vertex at infinity has no coordinates */
    /* Hilbert order of the scaled points: the curve index (32 bits) above the point number */
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t hx = (uint32_t)((pts[2 * i] + 1.0) * 32767.5);
        uint32_t hy = (uint32_t)((pts[2 * i + 1] + 1.0) * 32767.5);
        hx = hx > 65535 ? 65535 : hx, hy = hy > 65535 ? 65535 : hy;
        keys[i] = (hilbert_index(hx, hy) << 32) | (uint64_t)i;
    }
    qsort(keys, n, sizeof(uint64_t), cmp_u64);
    dl.pts = pts;
    dl.n = (int)n;
    int i0 = (int)(keys[0] & 0xFFFFFFFFu), i1 = -1, i2 = -1;
    for (Py_ssize_t r = 1; r < n && i1 < 0; r++) {
        int i = (int)(keys[r] & 0xFFFFFFFFu);
        if (pts[2 * i] != pts[2 * i0] || pts[2 * i + 1] != pts[2 * i0 + 1])
            i1 = i;
    }
    int o = 0;
    for (Py_ssize_t r = 1; r < n && i1 >= 0 && i2 < 0; r++) {
        int i = (int)(keys[r] & 0xFFFFFFFFu);
        if ((o = orient(pts + 2 * i0, pts + 2 * i1, pts + 2 * i)) != 0)
            i2 = i;
    }
    if (i2 < 0) { /* the scaled points are collinear, the centred ones not: qhull decides */
        result = PyLong_FromLong(DL_OTHER);
        goto done;
    }
    if (o < 0) {
        int tmp = i1;
        i1 = i2;
        i2 = tmp;
    }
    int inf = (int)n;
    /* the first triangle (a, b, c) and the three ghosts across its edges */
    dl.tri[0] = (DlTri){{i0, i1, i2}, {2, 3, 1}};
    dl.tri[1] = (DlTri){{i1, i0, inf}, {3, 2, 0}}; /* across a-b */
    dl.tri[2] = (DlTri){{i2, i1, inf}, {1, 3, 0}}; /* across b-c */
    dl.tri[3] = (DlTri){{i0, i2, inf}, {2, 1, 0}}; /* across c-a */
    dl.ntri = 4;
    int last = 0;
    long long max_steps = 4LL * n + 64;
    for (Py_ssize_t r = 0; r < n; r++) {
        int p = (int)(keys[r] & 0xFFFFFFFFu);
        if (p == i0 || p == i1 || p == i2)
            continue;
        int t = dl_locate(&dl, last, p, max_steps);
        if (t < 0) {
            result = PyLong_FromLong(DL_OTHER);
            goto done;
        }
        dl_insert(&dl, t, p);
        last = t;
    }
    /* Slivers: a triangle of height below 1e-10 × its longest edge, a point a hair inside the
     * hull between two others (a rotated row of buildings along the hull, a row whose y differ
     * in the last bit). Whether it exists hangs on the last bits of the coordinates: qhull's
     * tolerance may keep it, leave it out or make it flat or inverted, and another checker's
     * triangulation may not have its long edge. So the long edge is dropped (the two short
     * ones join its ends) and the short ones are kept untested. */
    for (int t = 0; t < dl.ntri; t++) {
        long_edge[t] = -1;
        if (dl_ghost(&dl, t))
            continue;
        const int *v = dl.tri[t].v;
        const double *a = pts + 2 * v[0], *b = pts + 2 * v[1], *c = pts + 2 * v[2];
        double twice_area = fabs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
        double len[3]; /* len[k]: the squared edge opposite v[k] */
        len[0] = (c[0] - b[0]) * (c[0] - b[0]) + (c[1] - b[1]) * (c[1] - b[1]);
        len[1] = (a[0] - c[0]) * (a[0] - c[0]) + (a[1] - c[1]) * (a[1] - c[1]);
        len[2] = (b[0] - a[0]) * (b[0] - a[0]) + (b[1] - a[1]) * (b[1] - a[1]);
        int k = len[0] >= len[1] ? (len[0] >= len[2] ? 0 : 2) : (len[1] >= len[2] ? 1 : 2);
        if (!(twice_area > 1e-10 * len[k])) {
            double shortest = len[0] <= len[1] ? (len[0] <= len[2] ? len[0] : len[2])
                                               : (len[1] <= len[2] ? len[1] : len[2]);
            if ((report & 1) || !(shortest > 1e-8 * len[k])) {
                /* a needle (two points a hair apart), not a cap: qhull decides */
                result = PyLong_FromLong((report & 1) ? DL_SLIVER : DL_OTHER);
                goto done;
            }
            long_edge[t] = (signed char)k;
        }
    }
    /* Flexible edges: the diagonal of a quadrilateral co-circular to well within the
     * tolerance (ratio below 1e-3 from both triangles), which qhull may pick or not. Dropped
     * whichever it picks; the test of an edge next to one must then agree for every apex the
     * other diagonal would give it. */
    for (int t = 0; t < dl.ntri; t++) {
        flexible[3 * t] = flexible[3 * t + 1] = flexible[3 * t + 2] = 0;
    }
    for (int t = 0; t < dl.ntri; t++) {
        if (dl_ghost(&dl, t) || long_edge[t] >= 0)
            continue;
        const DlTri *T = &dl.tri[t];
        for (int k = 0; k < 3; k++) {
            int other = T->n[k];
            if (other < t || dl_ghost(&dl, other) || long_edge[other] >= 0)
                continue;
            const DlTri *M = &dl.tri[other];
            int j = M->n[0] == t ? 0 : M->n[1] == t ? 1 : 2;
            if (edge_test(pts, T->v[(k + 1) % 3], T->v[(k + 2) % 3], T->v[k], M->v[j], 1e-3) ==
                0)
                flexible[3 * t + k] = flexible[3 * other + j] = 1;
        }
    }
    Py_ssize_t kept = 0, unsure_dropped = 0;
    for (int t = 0; t < dl.ntri; t++) {
        if (dl_ghost(&dl, t))
            continue;
        const DlTri *T = &dl.tri[t];
        for (int k = 0; k < 3; k++) {
            int other = T->n[k];
            int a = T->v[(k + 1) % 3], b = T->v[(k + 2) % 3];
            int ghost = dl_ghost(&dl, other);
            if (!ghost && other < t)
                continue;
            const DlTri *M = &dl.tri[other];
            int j = M->n[0] == t ? 0 : M->n[1] == t ? 1 : 2;
            if (long_edge[t] == k || (!ghost && long_edge[other] == j) || flexible[3 * t + k])
                continue;
            if (!ghost && long_edge[t] < 0 && long_edge[other] < 0) {
                int cs[3], ds[3];
                int nc = apexes(&dl, flexible, t, k, cs), nd = apexes(&dl, flexible, other, j, ds);
                int verdict = -1, unsure = 0;
                for (int x = 0; x < nc && !unsure; x++)
                    for (int y = 0; y < nd; y++) {
                        int v = edge_test(pts, a, b, cs[x], ds[y], 0.5);
                        if (v < 0 || (verdict >= 0 && v != verdict)) {
                            unsure = 1;
                            break;
                        }
                        verdict = v;
                    }
                if (unsure && (report & 2)) {
                    result = PyLong_FromLong(DL_NEAR_TOLERANCE);
                    goto done;
                }
                unsure_dropped += unsure;
                if (unsure || verdict == 0)
                    continue; /* co-circular, or near enough that a triangulation may drop it */
            }
            src[kept] = a;
            dst[kept] = b;
            kept++;
        }
    }
    if (unsure_dropped) {
        int whole = edges_connect(n, kept, src, dst);
        if (whole < 0)
            goto done;
        if (!whole) {
            /* dropping them cut the graph (a point whose every edge is near the tolerance):
             * qhull decides */
            result = PyLong_FromLong(DL_NEAR_TOLERANCE);
            goto done;
        }
    }
    result = adjacency_lists(n, kept, src, dst);
done:
    Py_DECREF(fast);
    PyMem_Free(arr);
    PyMem_Free(pts);
    PyMem_Free(keys);
    PyMem_Free(dl.tri);
    PyMem_Free(dl.stack);
    PyMem_Free(src);
    PyMem_Free(dst);
    PyMem_Free(long_edge);
    PyMem_Free(flexible);
    return result;
}



static PyObject *
strict_adjacency(PyObject *self, PyObject *args)
{
    PyObject *pts_o, *simp_o, *nbr_o;
    if (!PyArg_ParseTuple(args, "OOO", &pts_o, &simp_o, &nbr_o))
        return NULL;
    Py_buffer pv, sv, nv;
    if (get_view(pts_o, &pv, 8, 'd', 2) < 0)
        return NULL;
    if (get_view(simp_o, &sv, 4, 'i', 3) < 0) {
        PyBuffer_Release(&pv);
        return NULL;
    }
    if (get_view(nbr_o, &nv, 4, 'i', 3) < 0) {
        PyBuffer_Release(&pv);
        PyBuffer_Release(&sv);
        return NULL;
    }
    PyObject *result = NULL;
    const double *arr = pv.buf;
    const int32_t *simp = sv.buf, *nbr = nv.buf;
    Py_ssize_t n = pv.shape[0], m = sv.shape[0];
    int *src = NULL, *dst = NULL;
    double *pts = NULL;
    if (nv.shape[0] != m) {
        PyErr_SetString(PyExc_ValueError, "strict_adjacency: simplices and neighbors differ");
        goto done;
    }
    pts = PyMem_Malloc(sizeof(double) * (2 * n + 1));
    src = PyMem_Malloc(sizeof(int) * (3 * m + 1));
    dst = PyMem_Malloc(sizeof(int) * (3 * m + 1));
    if (!pts || !src || !dst) {
        PyErr_NoMemory();
        goto done;
    }
    scale_points(arr, n, pts);
    Py_ssize_t kept = 0;
    for (int k = 0; k < 3; k++) {
        for (Py_ssize_t t = 0; t < m; t++) {
            const int32_t *tri = simp + 3 * t;
            int a = tri[(k + 1) % 3], b = tri[(k + 2) % 3], c = tri[k];
            int other = nbr[3 * t + k];
            if (a < 0 || a >= n || b < 0 || b >= n || c < 0 || c >= n || other >= m) {
                PyErr_SetString(PyExc_IndexError, "strict_adjacency: index out of range");
                goto done;
            }
            if (!(other < 0 || t < other))
                continue;
            if (other >= 0) {
                const int32_t *o = simp + 3 * (Py_ssize_t)other;
                long long dl = (long long)o[0] + o[1] + o[2] - a - b;
                if (dl < 0 || dl >= n) {
                    PyErr_SetString(PyExc_IndexError, "strict_adjacency: index out of range");
                    goto done;
                }
                double det, size;
                cocircular_det(pts + 2 * a, pts + 2 * b, pts + 2 * c, pts + 2 * dl, &det, &size);
                if (!(fabs(det) > 1e-9 * size))
                    continue;
            }
            src[kept] = a;
            dst[kept] = b;
            kept++;
        }
    }
    result = adjacency_lists(n, kept, src, dst);
done:
    PyMem_Free(pts);
    PyMem_Free(src);
    PyMem_Free(dst);
    PyBuffer_Release(&pv);
    PyBuffer_Release(&sv);
    PyBuffer_Release(&nv);
    return result;
}


/* ---- build_pieces(cls, fields, units, rows): the Piece of each row of engine._emit
 *
 * A row is (unit index, floor_from, floor_to, households, grid); the first four fields are
 * the unit's own (community, compound, building, unit), the rest the row's. A frozen
 * dataclass's __init__ sets each field through object.__setattr__ (its own __setattr__
 * refuses), ~1 µs a Piece; this sets the slots through their member descriptors, which is what
 * object.__setattr__ ends in. Only for classes whose __init__ does nothing else (no
 * __post_init__): engine._pieces checks that. */

static PyObject *
build_pieces(PyObject *self, PyObject *args)
{
    PyTypeObject *cls;
    PyObject *fields, *units, *rows;
    if (!PyArg_ParseTuple(args, "O!O!O!O!", &PyType_Type, &cls, &PyTuple_Type, &fields,
                          &PyList_Type, &units, &PyList_Type, &rows))
        return NULL;
    if (PyTuple_GET_SIZE(fields) != 8) {
        PyErr_SetString(PyExc_TypeError, "build_pieces: eight fields");
        return NULL;
    }
    PyObject *descr[8] = {NULL};
    PyObject *out = NULL;
    for (int k = 0; k < 8; k++) {
        PyObject *d = PyObject_GetAttr((PyObject *)cls, PyTuple_GET_ITEM(fields, k));
        if (d == NULL)
            goto done;
        descr[k] = d;
        if (Py_TYPE(d)->tp_descr_set == NULL) {
            PyErr_SetString(PyExc_TypeError, "build_pieces: fields must be slots");
            goto done;
        }
    }
    Py_ssize_t n = PyList_GET_SIZE(rows), nu = PyList_GET_SIZE(units);
    out = PyList_New(n);
    if (out == NULL)
        goto done;
    for (Py_ssize_t r = 0; r < n; r++) {
        PyObject *row = PyList_GET_ITEM(rows, r);
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) != 5) {
            PyErr_SetString(PyExc_TypeError, "build_pieces: rows are (unit, ff, ft, hh, grid)");
            Py_CLEAR(out);
            goto done;
        }
        Py_ssize_t u = PyLong_AsSsize_t(PyTuple_GET_ITEM(row, 0));
        if (u < 0 || u >= nu) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_IndexError, "build_pieces: unit index out of range");
            Py_CLEAR(out);
            goto done;
        }
        PyObject *unit = PyList_GET_ITEM(units, u);
        PyObject *obj = cls->tp_alloc(cls, 0);
        if (obj == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, r, obj);
        for (int k = 0; k < 8; k++) {
            PyObject *v;
            if (k < 4) {
                v = PyObject_GetAttr(unit, PyTuple_GET_ITEM(fields, k));
                if (v == NULL) {
                    Py_CLEAR(out);
                    goto done;
                }
            }
            else {
                v = PyTuple_GET_ITEM(row, k - 3);
                Py_INCREF(v);
            }
            int rc = Py_TYPE(descr[k])->tp_descr_set(descr[k], obj, v);
            Py_DECREF(v);
            if (rc < 0) {
                Py_CLEAR(out);
                goto done;
            }
        }
    }
done:
    for (int k = 0; k < 8; k++)
        Py_XDECREF(descr[k]);
    return out;
}


/* ---- building_atom(cls, bld_units, portions, uxy, units, b, comp, rank, tiny, hi, split, bld_h):
 * the one-atom case of engine._building_atoms_py, or None when the building must be cut
 * (its free households above `hi`, the policy cuts buildings, and the whole building is above
 * `hi` or some unit is not whole).
 *
 * The _Atom's slots are set as _Atom.__init__ sets them: one point gives x / 1 (a float), more
 * give min, max and sum / count over the points in order (Python 3.11's sum() of floats adds
 * them left to right in a double); first and last are (building, unit) pairs. */

static PyObject *s_floors;
static const char *atom_slots[15] = {"blds", "comp", "cx", "cy", "first", "h", "last", "maxx",
                                     "maxy", "minx", "miny", "parts", "rank", "small", "tiny"};

/* the slot descriptors of the atom class, looked up once (the class is engine._Atom) */
static PyTypeObject *atom_cls = NULL;
static PyObject *atom_descr[15];

static int
atom_descriptors(PyTypeObject *cls)
{
    if (cls == atom_cls)
        return 0;
    PyObject *found[15] = {NULL};
    for (int k = 0; k < 15; k++) {
        found[k] = PyObject_GetAttrString((PyObject *)cls, atom_slots[k]);
        if (found[k] == NULL || Py_TYPE(found[k])->tp_descr_set == NULL) {
            if (found[k] != NULL)
                PyErr_SetString(PyExc_TypeError, "building_atom: not a slot");
            for (int q = 0; q <= k; q++)
                Py_XDECREF(found[q]);
            return -1;
        }
    }
    for (int k = 0; k < 15; k++) {
        Py_XDECREF(atom_descr[k]);
        atom_descr[k] = found[k];
    }
    Py_XDECREF(atom_cls);
    Py_INCREF(cls);
    atom_cls = cls;
    return 0;
}

static int
set_slot(PyObject *obj, int k, PyObject *value /* stolen */)
{
    if (value == NULL)
        return -1;
    int rc = Py_TYPE(atom_descr[k])->tp_descr_set(atom_descr[k], obj, value);
    Py_DECREF(value);
    return rc;
}

static PyObject *
building_atom(PyObject *self, PyObject *args)
{
    PyTypeObject *cls;
    PyObject *bld_units, *portions, *uxy, *units, *b, *comp, *rank, *tiny;
    double hi, bld_h;
    int split;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!OOOOdpd", &PyType_Type, &cls, &PyList_Type,
                          &bld_units, &PyDict_Type, &portions, &PyList_Type, &uxy, &PyList_Type,
                          &units, &b, &comp, &rank, &tiny, &hi, &split, &bld_h))
        return NULL;
    PyObject *parts = PyList_New(0);
    if (parts == NULL)
        return NULL;
    PyObject *result = NULL;
    long long total = 0;
    int whole = 1; /* every unit present once, floors 1..floors */
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(bld_units); k++) {
        PyObject *u = PyList_GET_ITEM(bld_units, k);
        PyObject *ranges = PyDict_GetItemWithError(portions, u);
        if (ranges == NULL) {
            if (PyErr_Occurred())
                goto done;
            whole = 0;
            continue;
        }
        PyObject *fast = PySequence_Fast(ranges, "building_atom: portions are sequences");
        if (fast == NULL)
            goto done;
        Py_ssize_t nr = PySequence_Fast_GET_SIZE(fast);
        if (nr != 1)
            whole = 0;
        for (Py_ssize_t r = 0; r < nr; r++) {
            PyObject *rg = PySequence_Fast_GET_ITEM(fast, r);
            if (!PyTuple_Check(rg) || PyTuple_GET_SIZE(rg) != 3) {
                Py_DECREF(fast);
                PyErr_SetString(PyExc_TypeError, "building_atom: (ff, ft, hh) portions");
                goto done;
            }
            long long hh = PyLong_AsLongLong(PyTuple_GET_ITEM(rg, 2));
            if (hh == -1 && PyErr_Occurred()) {
                Py_DECREF(fast);
                goto done;
            }
            total += hh;
            PyObject *part = PyTuple_Pack(4, u, PyTuple_GET_ITEM(rg, 0), PyTuple_GET_ITEM(rg, 1),
                                          PyTuple_GET_ITEM(rg, 2));
            if (part == NULL || PyList_Append(parts, part) < 0) {
                Py_XDECREF(part);
                Py_DECREF(fast);
                goto done;
            }
            Py_DECREF(part);
            if (nr == 1 && whole) {
                /* portions[u][0][:2] == (1, units[u].floors) */
                Py_ssize_t ui = PyLong_AsSsize_t(u);
                if (ui < 0 || ui >= PyList_GET_SIZE(units)) {
                    Py_DECREF(fast);
                    if (!PyErr_Occurred())
                        PyErr_SetString(PyExc_IndexError, "building_atom: unit out of range");
                    goto done;
                }
                PyObject *floors = PyObject_GetAttr(PyList_GET_ITEM(units, ui), s_floors);
                if (floors == NULL) {
                    Py_DECREF(fast);
                    goto done;
                }
                PyObject *one = PyLong_FromLong(1);
                int a = one ? PyObject_RichCompareBool(PyTuple_GET_ITEM(rg, 0), one, Py_EQ) : -1;
                int c = a > 0 ? PyObject_RichCompareBool(PyTuple_GET_ITEM(rg, 1), floors, Py_EQ)
                              : a;
                Py_XDECREF(one);
                Py_DECREF(floors);
                if (c < 0) {
                    Py_DECREF(fast);
                    goto done;
                }
                if (!c)
                    whole = 0;
            }
        }
        Py_DECREF(fast);
    }
    Py_ssize_t n = PyList_GET_SIZE(parts);
    if (n == 0) {
        result = PyList_New(0);
        goto done;
    }
    /* the Python test: total <= hi or not split or (bld_h[b] <= hi and every unit whole) */
    if (!((double)total <= hi || !split || (bld_h <= hi && whole))) {
        Py_INCREF(Py_None);
        result = Py_None;
        goto done;
    }
    double minx = 0, maxx = 0, miny = 0, maxy = 0, cx = 0, cy = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *part = PyList_GET_ITEM(parts, k);
        Py_ssize_t ui = PyLong_AsSsize_t(PyTuple_GET_ITEM(part, 0));
        if (ui < 0 || ui >= PyList_GET_SIZE(uxy)) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_IndexError, "building_atom: unit out of range");
            goto done;
        }
        double x, y;
        if (xy_of(uxy, ui, &x, &y) < 0)
            goto done;
        if (k == 0) {
            minx = maxx = x;
            miny = maxy = y;
            cx = 0.0 + x;
            cy = 0.0 + y;
            continue;
        }
        if (x < minx)
            minx = x;
        if (x > maxx)
            maxx = x;
        if (y < miny)
            miny = y;
        if (y > maxy)
            maxy = y;
        cx += x;
        cy += y;
    }
    if (n == 1) {
        cx = minx / 1.0;
        cy = miny / 1.0;
    }
    else {
        cx = cx / (double)n;
        cy = cy / (double)n;
    }
    PyObject *first_part = PyList_GET_ITEM(parts, 0), *last_part = PyList_GET_ITEM(parts, n - 1);
    if (atom_descriptors(cls) < 0)
        goto done;
    PyObject *atom = cls->tp_alloc(cls, 0);
    if (atom == NULL)
        goto done;
    PyObject *blds = PyList_New(1);
    if (blds == NULL) {
        Py_DECREF(atom);
        goto done;
    }
    Py_INCREF(b);
    PyList_SET_ITEM(blds, 0, b);
    Py_INCREF(comp);
    Py_INCREF(rank);
    Py_INCREF(tiny);
    Py_INCREF(parts);
    Py_INCREF(Py_False);
    PyObject *values[15] = {
        blds,
        comp,
        PyFloat_FromDouble(cx),
        PyFloat_FromDouble(cy),
        PyTuple_Pack(2, b, PyTuple_GET_ITEM(first_part, 0)),
        PyLong_FromLongLong(total),
        PyTuple_Pack(2, b, PyTuple_GET_ITEM(last_part, 0)),
        PyFloat_FromDouble(maxx),
        PyFloat_FromDouble(maxy),
        PyFloat_FromDouble(minx),
        PyFloat_FromDouble(miny),
        parts,
        rank,
        Py_False,
        tiny,
    };
    int failed = 0;
    for (int k = 0; k < 15; k++) {
        if (failed) {
            Py_XDECREF(values[k]);
            continue;
        }
        if (set_slot(atom, k, values[k]) < 0)
            failed = 1;
    }
    if (failed) {
        Py_DECREF(atom);
        goto done;
    }
    result = PyList_New(1);
    if (result == NULL) {
        Py_DECREF(atom);
        goto done;
    }
    PyList_SET_ITEM(result, 0, atom);
done:
    Py_DECREF(parts);
    return result;
}


/* ---- new_run(cls, run, h): engine._Run(run, h) without its __init__'s Python loop
 *
 * The bounding box keeps the atoms' own objects (the first minimum, the first maximum), as
 * the Python loop's strict comparisons do. */

static const char *run_slots[9] = {"first", "h", "last", "maxx", "maxy",
                                   "minx",  "miny", "run", "small"};
static PyTypeObject *run_cls = NULL;
static PyObject *run_descr[9];

static PyObject *
new_run(PyObject *self, PyObject *args)
{
    PyTypeObject *cls;
    PyObject *run, *h;
    if (!PyArg_ParseTuple(args, "O!O!O", &PyType_Type, &cls, &PyList_Type, &run, &h))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(run);
    if (n == 0) {
        PyErr_SetString(PyExc_IndexError, "new_run: an empty run");
        return NULL;
    }
    if (cls != run_cls) {
        PyObject *found[9] = {NULL};
        for (int k = 0; k < 9; k++) {
            found[k] = PyObject_GetAttrString((PyObject *)cls, run_slots[k]);
            if (found[k] == NULL || Py_TYPE(found[k])->tp_descr_set == NULL) {
                if (found[k] != NULL)
                    PyErr_SetString(PyExc_TypeError, "new_run: not a slot");
                for (int q = 0; q <= k; q++)
                    Py_XDECREF(found[q]);
                return NULL;
            }
        }
        for (int k = 0; k < 9; k++) {
            Py_XDECREF(run_descr[k]);
            run_descr[k] = found[k];
        }
        Py_XDECREF(run_cls);
        Py_INCREF(cls);
        run_cls = cls;
    }
    /* box[0..3]: minx, maxx, miny, maxy as objects (new references) and doubles */
    static PyObject *const *names[4] = {&s_minx, &s_maxx, &s_miny, &s_maxy};
    PyObject *box[4] = {NULL, NULL, NULL, NULL};
    double val[4] = {0, 0, 0, 0};
    PyObject *result = NULL, *first = NULL, *last = NULL, *small = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *a = PyList_GET_ITEM(run, i);
        for (int k = 0; k < 4; k++) {
            PyObject *v = PyObject_GetAttr(a, *names[k]);
            if (v == NULL)
                goto done;
            double d = PyFloat_AsDouble(v);
            if (d == -1.0 && PyErr_Occurred()) {
                Py_DECREF(v);
                goto done;
            }
            /* i == 0: the first atom's; then minima (k even) by <, maxima by > */
            if (i == 0 || (k % 2 == 0 ? d < val[k] : d > val[k])) {
                Py_XDECREF(box[k]);
                box[k] = v;
                val[k] = d;
            }
            else
                Py_DECREF(v);
        }
    }
    first = PyObject_GetAttr(PyList_GET_ITEM(run, 0), s_first);
    last = first ? PyObject_GetAttr(PyList_GET_ITEM(run, n - 1), s_last) : NULL;
    small = last ? PyObject_GetAttr(PyList_GET_ITEM(run, 0), s_small) : NULL;
    if (small == NULL)
        goto done;
    PyObject *obj = cls->tp_alloc(cls, 0);
    if (obj == NULL)
        goto done;
    /* first, h, last, maxx, maxy, minx, miny, run, small */
    PyObject *values[9] = {first, h, last, box[1], box[3], box[0], box[2], run, small};
    for (int k = 0; k < 9; k++) {
        if (Py_TYPE(run_descr[k])->tp_descr_set(run_descr[k], obj, values[k]) < 0) {
            Py_DECREF(obj);
            goto done;
        }
    }
    result = obj;
done:
    for (int k = 0; k < 4; k++)
        Py_XDECREF(box[k]);
    Py_XDECREF(first);
    Py_XDECREF(last);
    Py_XDECREF(small);
    return result;
}


/* ---- read_units(data, start, idx, width, cls, fields): cli.read_units's rows, or None
 *
 * data is the whole file (bytes, BOM removed), start the offset of the line after the header,
 * idx the header positions of the eight input columns, width max(idx) + 1; cls is
 * models.Unit and fields its eight slot names. Only the plain case is parsed here: lines end in
 * "\n" or "\r\n", no quote, no lone "\r", no NUL (the caller refuses quotes and NULs), every row
 * valid. At the first thing it does not parse exactly as csv.reader + str.strip + int() +
 * float() would, or the first row cli.read_units would refuse (or skip, as a blank row with
 * commas), it returns None and the caller reads the file with cli.read_units, which gives the
 * error with its line and column. Each field is stripped as str.strip() does (ASCII white
 * space here, other Unicode white space through str.strip itself); households and floors of
 * plain digits are parsed here, anything else by int(); x and y of plain [0-9+-.eE] by
 * PyOS_string_to_double (what float() ends in), anything else by float(). Names equal to the
 * previous row's are the same string object (equal strings either way). */

static PyObject *long_zero;

static int
ascii_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* the field without its leading and trailing ASCII whitespace */
static void
trim_ascii(const char **p, Py_ssize_t *n)
{
    while (*n > 0 && ascii_space((unsigned char)(*p)[0])) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && ascii_space((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

/* the str of a field, stripped as str.strip() strips; NULL with an error set */
static PyObject *
field_str(const char *p, Py_ssize_t n)
{
    trim_ascii(&p, &n);
    PyObject *s = PyUnicode_DecodeUTF8(p, n, "strict");
    if (s == NULL || n == 0)
        return s;
    Py_ssize_t len = PyUnicode_GET_LENGTH(s);
    if (Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(s, 0)) ||
        Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(s, len - 1))) {
        PyObject *t = PyObject_CallMethod(s, "strip", NULL);
        Py_DECREF(s);
        return t;
    }
    return s;
}

/* households / floors: a non-negative int as int(text) gives it, or NULL (error set or not) */
static PyObject *
field_int(const char *p, Py_ssize_t n)
{
    trim_ascii(&p, &n);
    if (n > 0 && n <= 18) {
        long long v = 0;
        Py_ssize_t k = 0;
        for (; k < n && p[k] >= '0' && p[k] <= '9'; k++)
            v = v * 10 + (p[k] - '0');
        if (k == n)
            return PyLong_FromLongLong(v);
    }
    PyObject *s = field_str(p, n);
    if (s == NULL)
        return NULL;
    PyObject *v = PyLong_FromUnicodeObject(s, 10);
    Py_DECREF(s);
    if (v == NULL)
        return NULL;
    if (PyObject_RichCompareBool(v, long_zero, Py_LT) != 0) {
        Py_DECREF(v);
        return NULL;
    }
    return v;
}

/* x / y: a finite float as float(text) gives it, or NULL (error set or not) */
static PyObject *
field_float(const char *p, Py_ssize_t n)
{
    trim_ascii(&p, &n);
    double d;
    char buf[64];
    Py_ssize_t k = 0;
    if (n > 0 && n < (Py_ssize_t)sizeof(buf)) {
        for (; k < n; k++) {
            char c = p[k];
            if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' ||
                  c == 'E'))
                break;
            buf[k] = c;
        }
    }
    if (n > 0 && k == n) {
        char *end;
        buf[n] = '\0';
        d = PyOS_string_to_double(buf, &end, NULL);
        if (d == -1.0 && PyErr_Occurred())
            return NULL;
        if (end != buf + n)
            return NULL;
    }
    else {
        PyObject *s = field_str(p, n);
        if (s == NULL)
            return NULL;
        PyObject *f = PyFloat_FromString(s);
        Py_DECREF(s);
        if (f == NULL)
            return NULL;
        d = PyFloat_AS_DOUBLE(f);
        Py_DECREF(f);
    }
    if (!isfinite(d))
        return NULL;
    return PyFloat_FromDouble(d);
}

static int
blank(const char *p, Py_ssize_t n)
{
    for (Py_ssize_t k = 0; k < n; k++)
        if (!ascii_space((unsigned char)p[k]))
            return 0;
    return 1;
}

static PyObject *
read_units(PyObject *self, PyObject *args)
{
    Py_buffer buf;
    Py_ssize_t start, width;
    PyObject *idx_obj, *fields;
    PyTypeObject *cls;
    if (!PyArg_ParseTuple(args, "y*nO!nO!O!", &buf, &start, &PyTuple_Type, &idx_obj, &width,
                          &PyType_Type, &cls, &PyTuple_Type, &fields))
        return NULL;
    PyObject *descr[8] = {NULL};
    PyObject *prev[4] = {NULL};
    const char *prev_p[4] = {NULL};
    Py_ssize_t prev_n[4] = {0};
    PyObject *out = NULL, *seen = NULL, *result = NULL;
    Py_ssize_t idx[8];
    const char **fp = NULL;
    Py_ssize_t *fn = NULL;
    const char *data = buf.buf;
    Py_ssize_t size = buf.len;
    if (PyTuple_GET_SIZE(idx_obj) != 8 || PyTuple_GET_SIZE(fields) != 8 || width < 1 ||
        start < 0 || start > size) {
        PyErr_SetString(PyExc_ValueError, "read_units: eight columns and fields");
        goto done;
    }
    for (int k = 0; k < 8; k++) {
        idx[k] = PyLong_AsSsize_t(PyTuple_GET_ITEM(idx_obj, k));
        if (idx[k] < 0 || idx[k] >= width) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "read_units: column out of range");
            goto done;
        }
        PyObject *d = PyObject_GetAttr((PyObject *)cls, PyTuple_GET_ITEM(fields, k));
        if (d == NULL)
            goto done;
        descr[k] = d;
        if (Py_TYPE(d)->tp_descr_set == NULL) {
            PyErr_SetString(PyExc_TypeError, "read_units: fields must be slots");
            goto done;
        }
    }
    fp = PyMem_Malloc(sizeof(char *) * width);
    fn = PyMem_Malloc(sizeof(Py_ssize_t) * width);
    if (fp == NULL || fn == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    out = PyList_New(0);
    seen = PyDict_New();
    if (out == NULL || seen == NULL)
        goto fail;
    Py_ssize_t pos = start;
    while (pos < size) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', size - pos);
        Py_ssize_t len = nl ? nl - line : size - pos;
        pos += len + (nl ? 1 : 0);
        if (len > 0 && line[len - 1] == '\r')
            len--;
        if (len == 0)
            continue; /* csv.reader gives [] for an empty line: skipped */
        if (len > 131072 || memchr(line, '\r', len) != NULL)
            goto fallback; /* csv's field size limit, or a lone carriage return */
        /* the row's fields up to width (more are ignored; fewer are empty) */
        Py_ssize_t nf = 0;
        const char *q = line, *end = line + len;
        while (nf < width) {
            const char *c = memchr(q, ',', end - q);
            fp[nf] = q;
            fn[nf] = (c ? c : end) - q;
            nf++;
            if (c == NULL)
                break;
            q = c + 1;
        }
        for (; nf < width; nf++) {
            fp[nf] = end;
            fn[nf] = 0;
        }
        PyObject *v[8] = {NULL};
        int ok = 1;
        for (int k = 0; k < 4 && ok; k++) {
            const char *p = fp[idx[k]];
            Py_ssize_t n = fn[idx[k]];
            if (prev[k] != NULL && n == prev_n[k] && memcmp(p, prev_p[k], n) == 0) {
                Py_INCREF(prev[k]); /* the previous row's name: the same bytes */
                v[k] = prev[k];
                continue;
            }
            v[k] = field_str(p, n);
            if (v[k] == NULL || PyUnicode_GET_LENGTH(v[k]) == 0) {
                ok = 0;
                break;
            }
            prev_p[k] = p;
            prev_n[k] = n;
        }
        if (ok && (v[4] = field_int(fp[idx[4]], fn[idx[4]])) == NULL)
            ok = 0;
        if (ok && (v[5] = field_int(fp[idx[5]], fn[idx[5]])) == NULL)
            ok = 0;
        if (ok && PyObject_RichCompareBool(v[5], long_zero, Py_GT) != 1)
            ok = 0;
        if (ok) {
            const char *px = fp[idx[6]], *py = fp[idx[7]];
            Py_ssize_t nx = fn[idx[6]], ny = fn[idx[7]];
            if (blank(px, nx) && blank(py, ny)) {
                /* no position; a non-ASCII white space alone is not blank here: float() below
                 * refuses it, and cli.read_units then decides */
                Py_INCREF(Py_None);
                Py_INCREF(Py_None);
                v[6] = v[7] = Py_None;
            }
            else if ((v[6] = field_float(px, nx)) == NULL ||
                     (v[7] = field_float(py, ny)) == NULL)
                ok = 0;
        }
        PyObject *key = NULL;
        if (ok) {
            key = PyTuple_Pack(4, v[0], v[1], v[2], v[3]);
            if (key == NULL || PyDict_SetDefault(seen, key, Py_None) == NULL)
                ok = 0;
            else if (PyDict_GET_SIZE(seen) != PyList_GET_SIZE(out) + 1)
                ok = 0; /* a duplicate unit */
        }
        Py_XDECREF(key);
        PyObject *unit = NULL;
        if (ok && (unit = cls->tp_alloc(cls, 0)) == NULL)
            ok = 0;
        for (int k = 0; k < 8 && ok; k++)
            if (Py_TYPE(descr[k])->tp_descr_set(descr[k], unit, v[k]) < 0)
                ok = 0;
        if (ok && PyList_Append(out, unit) < 0)
            ok = 0;
        Py_XDECREF(unit);
        for (int k = 0; k < 4; k++)
            if (ok) {
                Py_XSETREF(prev[k], v[k]);
                v[k] = NULL;
            }
        for (int k = 0; k < 8; k++)
            Py_XDECREF(v[k]);
        if (!ok) {
            if (PyErr_Occurred() && PyErr_ExceptionMatches(PyExc_MemoryError))
                goto fail; /* a real error, not a row to refuse */
            goto fallback;
        }
    }
    result = out;
    out = NULL;
    goto freed;
fallback:
    PyErr_Clear();
    Py_INCREF(Py_None);
    result = Py_None;
    goto freed;
fail:
    result = NULL;
freed:
done:
    PyMem_Free(fp);
    PyMem_Free(fn);
    for (int k = 0; k < 8; k++)
        Py_XDECREF(descr[k]);
    for (int k = 0; k < 4; k++)
        Py_XDECREF(prev[k]);
    Py_XDECREF(out);
    Py_XDECREF(seen);
    PyBuffer_Release(&buf);
    return result;
}


/* ---- write_rows(pieces, fields): the CSV lines of cli's output, as csv.writer writes them
 *
 * Each piece's eight fields (slots) joined by "," and ended by "\r\n", UTF-8: what
 * csv.writer's default dialect (QUOTE_MINIMAL) writes when no string holds a delimiter, quote
 * or line break and every number is an int. Returns None when some field is not that plain
 * (the caller then writes with csv.writer). */

static int
put(char **buf, Py_ssize_t *len, Py_ssize_t *cap, const char *p, Py_ssize_t n)
{
    if (*len + n > *cap) {
        Py_ssize_t c = *cap * 2 + n + 256;
        char *b = PyMem_Realloc(*buf, c);
        if (b == NULL)
            return -1;
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    return 0;
}

static PyObject *
write_rows(PyObject *self, PyObject *args)
{
    PyObject *pieces, *fields;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &pieces, &PyTuple_Type, &fields))
        return NULL;
    Py_ssize_t nf = PyTuple_GET_SIZE(fields), len = 0, cap = 1 << 16;
    char *buf = PyMem_Malloc(cap);
    if (buf == NULL)
        return PyErr_NoMemory();
    PyObject *result = NULL;
    PyObject *descr[8] = {NULL};
    PyObject *last[8] = {NULL}; /* the previous row's value and its UTF-8, per column */
    const char *last_p[8] = {NULL};
    Py_ssize_t last_n[8] = {0};
    int plain = 1;
    if (nf > 8) {
        PyErr_SetString(PyExc_ValueError, "write_rows: at most eight fields");
        goto done;
    }
    for (Py_ssize_t k = 0; k < nf; k++) {
        descr[k] = PyList_GET_SIZE(pieces)
                       ? PyObject_GetAttr((PyObject *)Py_TYPE(PyList_GET_ITEM(pieces, 0)),
                                          PyTuple_GET_ITEM(fields, k))
                       : NULL;
        if (PyList_GET_SIZE(pieces) && descr[k] == NULL)
            goto done;
        if (descr[k] && Py_TYPE(descr[k])->tp_descr_get == NULL) {
            PyErr_SetString(PyExc_TypeError, "write_rows: fields must be slots");
            goto done;
        }
    }
    for (Py_ssize_t r = 0; r < PyList_GET_SIZE(pieces) && plain; r++) {
        PyObject *piece = PyList_GET_ITEM(pieces, r);
        if (Py_TYPE(piece) != Py_TYPE(PyList_GET_ITEM(pieces, 0))) {
            plain = 0;
            break;
        }
        for (Py_ssize_t k = 0; k < nf && plain; k++) {
            PyObject *v = Py_TYPE(descr[k])->tp_descr_get(descr[k], piece,
                                                          (PyObject *)Py_TYPE(piece));
            if (v == NULL)
                goto done;
            int rc = 0;
            if (v == last[k]) /* the same string object as the row before: its bytes */
                rc = put(&buf, &len, &cap, last_p[k], last_n[k]);
            else if (PyUnicode_CheckExact(v)) {
                Py_ssize_t n;
                const char *p = PyUnicode_AsUTF8AndSize(v, &n);
                if (p == NULL) {
                    PyErr_Clear(); /* e.g. a lone surrogate: csv.writer's text file decides */
                    plain = 0;
                }
                else if (memchr(p, ',', n) || memchr(p, '"', n) || memchr(p, '\r', n) ||
                         memchr(p, '\n', n))
                    plain = 0;
                else {
                    rc = put(&buf, &len, &cap, p, n);
                    Py_INCREF(v);
                    Py_XSETREF(last[k], v); /* keeps p valid: the UTF-8 is cached in v */
                    last_p[k] = p;
                    last_n[k] = n;
                }
            }
            else if (PyLong_CheckExact(v)) {
                int overflow;
                long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
                if (overflow || (x == -1 && PyErr_Occurred())) {
                    PyErr_Clear();
                    plain = 0;
                }
                else {
                    char num[32];
                    int n = snprintf(num, sizeof(num), "%lld", x);
                    rc = put(&buf, &len, &cap, num, n);
                }
            }
            else
                plain = 0;
            Py_DECREF(v);
            if (rc == 0 && plain)
                rc = k + 1 < nf ? put(&buf, &len, &cap, ",", 1) : put(&buf, &len, &cap, "\r\n", 2);
            if (rc < 0) {
                PyErr_NoMemory();
                goto done;
            }
        }
    }
    if (plain)
        result = PyBytes_FromStringAndSize(buf, len);
    else {
        Py_INCREF(Py_None);
        result = Py_None;
    }
done:
    for (int k = 0; k < 8; k++) {
        Py_XDECREF(descr[k]);
        Py_XDECREF(last[k]);
    }
    PyMem_Free(buf);
    return result;
}


/* append run[0], or run_type(run, h) made by new_run, to glued */
static int
glue_run(PyObject *glued, PyObject *run, long long h, PyObject *run_type)
{
    if (PyList_GET_SIZE(run) == 1)
        return PyList_Append(glued, PyList_GET_ITEM(run, 0));
    PyObject *ho = PyLong_FromLongLong(h);
    if (ho == NULL)
        return -1;
    PyObject *args = PyTuple_Pack(3, run_type, run, ho);
    Py_DECREF(ho);
    if (args == NULL)
        return -1;
    PyObject *r = new_run(NULL, args);
    Py_DECREF(args);
    if (r == NULL)
        return -1;
    int rc = PyList_Append(glued, r);
    Py_DECREF(r);
    return rc;
}

/* ---- atoms_for(blds, cache, make, small, small2, run_cls): the loop of engine._atoms_for
 *
 * For each building of blds its atoms (cache[b], or make(b) stored there), glued as the
 * Python loop glues them: an atom joins the current run while the run is below `small`
 * households, stays within `small2` with it and holds fewer than 64 parts; a run of one atom
 * stays that atom, a longer one becomes run_cls(run, h) through new_run. */

static PyObject *
atoms_for(PyObject *self, PyObject *args)
{
    PyObject *blds, *cache, *make, *run_type;
    double small, small2;
    if (!PyArg_ParseTuple(args, "OO!OddO!", &blds, &PyDict_Type, &cache, &make, &small, &small2,
                          &PyType_Type, &run_type))
        return NULL;
    blds = PySequence_Fast(blds, "atoms_for: buildings are a sequence");
    if (blds == NULL)
        return NULL;
    PyObject *glued = PyList_New(0), *run = NULL;
    if (glued == NULL) {
        Py_DECREF(blds);
        return NULL;
    }
    long long run_h = 0;
    Py_ssize_t run_parts = 0;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(blds); i++) {
        PyObject *b = PySequence_Fast_GET_ITEM(blds, i);
        PyObject *atoms = PyDict_GetItemWithError(cache, b); /* borrowed */
        if (atoms == NULL) {
            if (PyErr_Occurred())
                goto fail;
            atoms = PyObject_CallOneArg(make, b);
            if (atoms == NULL)
                goto fail;
            int rc = PyDict_SetItem(cache, b, atoms);
            Py_DECREF(atoms); /* the cache holds it */
            if (rc < 0)
                goto fail;
        }
        if (!PyList_Check(atoms)) {
            PyErr_SetString(PyExc_TypeError, "atoms_for: a building's atoms are a list");
            goto fail;
        }
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(atoms); k++) {
            PyObject *a = PyList_GET_ITEM(atoms, k);
            PyObject *ho = PyObject_GetAttr(a, s_h), *parts = NULL;
            if (ho == NULL)
                goto fail;
            long long h = PyLong_AsLongLong(ho);
            Py_DECREF(ho);
            if (h == -1 && PyErr_Occurred())
                goto fail;
            parts = PyObject_GetAttr(a, s_parts);
            if (parts == NULL)
                goto fail;
            Py_ssize_t np = PyObject_Length(parts);
            Py_DECREF(parts);
            if (np < 0)
                goto fail;
            if (run != NULL && (double)run_h < small && (double)(run_h + h) <= small2 &&
                run_parts < 64) {
                if (PyList_Append(run, a) < 0)
                    goto fail;
                run_h += h;
                run_parts += np;
                continue;
            }
            if (run != NULL && glue_run(glued, run, run_h, run_type) < 0)
                goto fail;
            Py_XDECREF(run);
            run = PyList_New(1);
            if (run == NULL)
                goto fail;
            Py_INCREF(a);
            PyList_SET_ITEM(run, 0, a);
            run_h = h;
            run_parts = np;
        }
    }
    if (run != NULL && glue_run(glued, run, run_h, run_type) < 0)
        goto fail;
    Py_XDECREF(run);
    Py_DECREF(blds);
    return glued;
fail:
    Py_XDECREF(run);
    Py_DECREF(glued);
    Py_DECREF(blds);
    return NULL;
}


/* ---- community_index(units, uxy): the unit loop of engine._Community.__init__
 *
 * Returns (compounds, bld_names, bld_units, bld_comp, unit_bld, bld_h, bld_xy) as the Python
 * loop builds them: compounds and buildings numbered in order of first appearance, a
 * building named (compound, building); bld_h the sum of its units' households from 0, bld_xy
 * its centre ((0 + x) / 1 for one unit, else the running sum from 0 over its units divided by
 * their number), all through the number protocol, as Python computes them. */

static PyObject *
community_index(PyObject *self, PyObject *args)
{
    PyObject *units, *uxy;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &units, &PyList_Type, &uxy))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(units);
    if (PyList_GET_SIZE(uxy) != n) {
        PyErr_SetString(PyExc_ValueError, "community_index: one position per unit");
        return NULL;
    }
    PyObject *comp_index = PyDict_New(), *bld_index = PyDict_New();
    PyObject *compounds = PyList_New(0), *bld_names = PyList_New(0), *bld_units = PyList_New(0);
    PyObject *bld_comp = PyList_New(0), *unit_bld = PyList_New(n), *bld_h = NULL, *bld_xy = NULL;
    PyObject *result = NULL, *zero = long_zero, *one = NULL;
    if (!comp_index || !bld_index || !compounds || !bld_names || !bld_units || !bld_comp ||
        !unit_bld)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *u = PyList_GET_ITEM(units, i);
        PyObject *comp = PyObject_GetAttr(u, s_compound);
        if (comp == NULL)
            goto done;
        PyObject *c = PyDict_GetItemWithError(comp_index, comp);
        if (c == NULL) {
            if (PyErr_Occurred() ||
                (c = PyLong_FromSsize_t(PyList_GET_SIZE(compounds))) == NULL) {
                Py_DECREF(comp);
                goto done;
            }
            int rc = PyDict_SetItem(comp_index, comp, c);
            Py_DECREF(c); /* the dict holds it */
            if (rc < 0 || PyList_Append(compounds, comp) < 0) {
                Py_DECREF(comp);
                goto done;
            }
        }
        PyObject *bld = PyObject_GetAttr(u, s_building);
        PyObject *key = bld ? PyTuple_Pack(2, comp, bld) : NULL;
        Py_DECREF(comp);
        Py_XDECREF(bld);
        if (key == NULL)
            goto done;
        PyObject *b = PyDict_GetItemWithError(bld_index, key);
        if (b == NULL) {
            PyObject *lst = NULL;
            if (PyErr_Occurred() ||
                (b = PyLong_FromSsize_t(PyList_GET_SIZE(bld_names))) == NULL ||
                PyDict_SetItem(bld_index, key, b) < 0 || PyList_Append(bld_names, key) < 0 ||
                (lst = PyList_New(0)) == NULL || PyList_Append(bld_units, lst) < 0 ||
                PyList_Append(bld_comp, c) < 0) {
                Py_XDECREF(lst);
                Py_XDECREF(b);
                Py_DECREF(key);
                goto done;
            }
            Py_DECREF(lst);
            Py_DECREF(b); /* the dict holds it */
        }
        Py_DECREF(key);
        Py_ssize_t bi = PyLong_AsSsize_t(b);
        PyObject *io = PyLong_FromSsize_t(i);
        if (io == NULL)
            goto done;
        int rc = PyList_Append(PyList_GET_ITEM(bld_units, bi), io);
        Py_DECREF(io);
        if (rc < 0)
            goto done;
        Py_INCREF(b);
        PyList_SET_ITEM(unit_bld, i, b);
    }
    Py_ssize_t nb = PyList_GET_SIZE(bld_names);
    bld_h = PyList_New(nb);
    bld_xy = PyList_New(nb);
    one = PyLong_FromLong(1);
    if (bld_h == NULL || bld_xy == NULL || one == NULL)
        goto done;
    for (Py_ssize_t b = 0; b < nb; b++) {
        PyObject *us = PyList_GET_ITEM(bld_units, b);
        Py_ssize_t m = PyList_GET_SIZE(us);
        PyObject *h = zero, *sx = zero, *sy = zero;
        Py_INCREF(h);
        Py_INCREF(sx);
        Py_INCREF(sy);
        for (Py_ssize_t k = 0; k < m; k++) {
            Py_ssize_t i = PyLong_AsSsize_t(PyList_GET_ITEM(us, k));
            PyObject *hh = PyObject_GetAttr(PyList_GET_ITEM(units, i), s_households);
            PyObject *pt = PyList_GET_ITEM(uxy, i);
            if (hh == NULL || !PyTuple_Check(pt) || PyTuple_GET_SIZE(pt) != 2) {
                if (hh != NULL)
                    PyErr_SetString(PyExc_TypeError, "community_index: positions are (x, y)");
                Py_XDECREF(hh);
                Py_DECREF(h);
                Py_DECREF(sx);
                Py_DECREF(sy);
                goto done;
            }
            Py_SETREF(h, PyNumber_Add(h, hh));
            Py_DECREF(hh);
            if (h != NULL)
                Py_SETREF(sx, PyNumber_Add(sx, PyTuple_GET_ITEM(pt, 0)));
            if (h != NULL && sx != NULL)
                Py_SETREF(sy, PyNumber_Add(sy, PyTuple_GET_ITEM(pt, 1)));
            if (h == NULL || sx == NULL || sy == NULL) {
                Py_XDECREF(h);
                Py_XDECREF(sx);
                Py_XDECREF(sy);
                goto done;
            }
        }
        PyList_SET_ITEM(bld_h, b, h);
        PyObject *cnt = m == 1 ? (Py_INCREF(one), one) : PyLong_FromSsize_t(m);
        PyObject *cx = cnt ? PyNumber_TrueDivide(sx, cnt) : NULL;
        PyObject *cy = cx ? PyNumber_TrueDivide(sy, cnt) : NULL;
        Py_XDECREF(cnt);
        Py_DECREF(sx);
        Py_DECREF(sy);
        PyObject *xy = cy ? PyTuple_Pack(2, cx, cy) : NULL;
        Py_XDECREF(cx);
        Py_XDECREF(cy);
        if (xy == NULL)
            goto done;
        PyList_SET_ITEM(bld_xy, b, xy);
    }
    result = PyTuple_Pack(7, compounds, bld_names, bld_units, bld_comp, unit_bld, bld_h, bld_xy);
done:
    Py_XDECREF(comp_index);
    Py_XDECREF(bld_index);
    Py_XDECREF(compounds);
    Py_XDECREF(bld_names);
    Py_XDECREF(bld_units);
    Py_XDECREF(bld_comp);
    Py_XDECREF(unit_bld);
    Py_XDECREF(bld_h);
    Py_XDECREF(bld_xy);
    Py_XDECREF(one);
    return result;
}


/* ---- grid_rows(atoms, gid, out): the rows of one grid in engine._emit
 *
 * Appends (unit, floor_from, floor_to, households, gid) for the parts of a grid's atoms:
 * units in order, a unit's floor ranges sorted and those that touch (the next starts on the
 * floor after) merged, their households added, as the Python loop does. Returns False
 * without appending when a part is not four ints (the caller then runs the Python loop). */

typedef struct {
    long long u, ff, ft, hh;
} part_t;

static int
part_cmp(const void *pa, const void *pb)
{
    const part_t *a = pa, *b = pb;
    if (a->u != b->u)
        return a->u < b->u ? -1 : 1;
    if (a->ff != b->ff)
        return a->ff < b->ff ? -1 : 1;
    if (a->ft != b->ft)
        return a->ft < b->ft ? -1 : 1;
    if (a->hh != b->hh)
        return a->hh < b->hh ? -1 : 1;
    return 0;
}

static PyObject *
grid_rows(PyObject *self, PyObject *args)
{
    PyObject *atoms, *gid, *out;
    if (!PyArg_ParseTuple(args, "OOO!", &atoms, &gid, &PyList_Type, &out))
        return NULL;
    atoms = PySequence_Fast(atoms, "grid_rows: atoms are a sequence");
    if (atoms == NULL)
        return NULL;
    Py_ssize_t cap = 64, n = 0;
    part_t *parts = PyMem_Malloc(sizeof(part_t) * cap);
    PyObject *result = NULL;
    int plain = 1;
    if (parts == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t a = 0; a < PySequence_Fast_GET_SIZE(atoms) && plain; a++) {
        PyObject *ps = PyObject_GetAttr(PySequence_Fast_GET_ITEM(atoms, a), s_parts);
        if (ps == NULL)
            goto done;
        if (!PyList_Check(ps)) {
            Py_DECREF(ps);
            plain = 0;
            break;
        }
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(ps) && plain; k++) {
            PyObject *p = PyList_GET_ITEM(ps, k);
            if (!PyTuple_Check(p) || PyTuple_GET_SIZE(p) != 4) {
                plain = 0;
                break;
            }
            long long v[4];
            for (int q = 0; q < 4 && plain; q++) {
                PyObject *x = PyTuple_GET_ITEM(p, q);
                int overflow = 0;
                v[q] = PyLong_CheckExact(x) ? PyLong_AsLongLongAndOverflow(x, &overflow) : 0;
                if (!PyLong_CheckExact(x) || overflow || v[q] > (1LL << 60) ||
                    v[q] < -(1LL << 60)) {
                    PyErr_Clear();
                    plain = 0;
                }
            }
            if (!plain)
                break;
            if (n == cap) {
                cap *= 2;
                part_t *bigger = PyMem_Realloc(parts, sizeof(part_t) * cap);
                if (bigger == NULL) {
                    Py_DECREF(ps);
                    PyErr_NoMemory();
                    goto done;
                }
                parts = bigger;
            }
            parts[n].u = v[0];
            parts[n].ff = v[1];
            parts[n].ft = v[2];
            parts[n].hh = v[3];
            n++;
        }
        Py_DECREF(ps);
    }
    if (!plain) {
        result = Py_False;
        Py_INCREF(result);
        goto done;
    }
    qsort(parts, n, sizeof(part_t), part_cmp);
    for (Py_ssize_t i = 0; i < n;) {
        /* one unit's ranges: i .. j-1, merged into runs */
        Py_ssize_t j = i;
        while (j < n && parts[j].u == parts[i].u)
            j++;
        part_t cur = parts[i];
        for (Py_ssize_t k = i + 1; k <= j; k++) {
            if (k < j && parts[k].ff == cur.ft + 1) {
                cur.ft = parts[k].ft;
                cur.hh += parts[k].hh;
                continue;
            }
            PyObject *row = Py_BuildValue("(LLLLO)", cur.u, cur.ff, cur.ft, cur.hh, gid);
            if (row == NULL)
                goto done;
            int rc = PyList_Append(out, row);
            Py_DECREF(row);
            if (rc < 0)
                goto done;
            if (k < j)
                cur = parts[k];
        }
        i = j;
    }
    result = Py_True;
    Py_INCREF(result);
done:
    PyMem_Free(parts);
    Py_DECREF(atoms);
    return result;
}


/* ---- glued(cls, run): engine._glued_py, one atom of a run of atoms (all of class cls)
 *
 * The first atom's slots, then for each next atom: its parts appended, the centre averaged
 * step by step weighted by the buildings so far and the atom's buildings, households added,
 * the bounding box widened (strict comparisons: the first extreme object stays), buildings
 * kept once in order, the lowest rank; last from the last atom. Arithmetic through the number
 * protocol in the Python order. None when an atom is not of class cls. */

enum { A_BLDS, A_COMP, A_CX, A_CY, A_FIRST, A_H, A_LAST, A_MAXX, A_MAXY, A_MINX, A_MINY,
       A_PARTS, A_RANK, A_SMALL, A_TINY };

static PyObject *
get_slot(PyObject *obj, int k)
{
    return Py_TYPE(atom_descr[k])->tp_descr_get(atom_descr[k], obj, (PyObject *)atom_cls);
}

/* *acc = (*acc * n1 + v * n2) / n12, all Python numbers; -1 on error */
static int
weigh(PyObject **acc, PyObject *v, PyObject *n1, PyObject *n2, PyObject *n12)
{
    PyObject *a = PyNumber_Multiply(*acc, n1);
    PyObject *b = a ? PyNumber_Multiply(v, n2) : NULL;
    PyObject *s = b ? PyNumber_Add(a, b) : NULL;
    PyObject *r = s ? PyNumber_TrueDivide(s, n12) : NULL;
    Py_XDECREF(a);
    Py_XDECREF(b);
    Py_XDECREF(s);
    if (r == NULL)
        return -1;
    Py_SETREF(*acc, r);
    return 0;
}

static PyObject *
glued(PyObject *self, PyObject *args)
{
    PyTypeObject *cls;
    PyObject *run;
    if (!PyArg_ParseTuple(args, "O!O!", &PyType_Type, &cls, &PyList_Type, &run))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(run);
    if (n == 0) {
        PyErr_SetString(PyExc_IndexError, "glued: an empty run");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (Py_TYPE(PyList_GET_ITEM(run, i)) != cls)
            Py_RETURN_NONE;
    if (atom_descriptors(cls) < 0)
        return NULL;
    PyObject *v[15] = {NULL};
    PyObject *parts = NULL, *blds = NULL, *seen = NULL, *result = NULL;
    PyObject *a0 = PyList_GET_ITEM(run, 0);
    for (int k = 0; k < 15; k++)
        if ((v[k] = get_slot(a0, k)) == NULL)
            goto done;
    parts = PySequence_List(v[A_PARTS]);
    blds = parts ? PySequence_List(v[A_BLDS]) : NULL;
    seen = blds ? PySet_New(blds) : NULL;
    if (seen == NULL)
        goto done;
    for (Py_ssize_t i = 1; i < n; i++) {
        PyObject *a = PyList_GET_ITEM(run, i);
        PyObject *w[15] = {NULL};
        int ok = 1;
        static const int used[] = {A_BLDS, A_CX, A_CY, A_H, A_MAXX, A_MAXY, A_MINX, A_MINY,
                                   A_PARTS, A_RANK};
        for (size_t q = 0; q < sizeof(used) / sizeof(used[0]) && ok; q++)
            if ((w[used[q]] = get_slot(a, used[q])) == NULL)
                ok = 0;
        Py_ssize_t n1 = PyList_GET_SIZE(blds), n2 = ok ? PyObject_Length(w[A_BLDS]) : -1;
        if (ok && n2 < 0)
            ok = 0;
        if (ok && PyList_SetSlice(parts, PY_SSIZE_T_MAX, PY_SSIZE_T_MAX, w[A_PARTS]) < 0)
            ok = 0;
        if (ok) {
            PyObject *o1 = PyLong_FromSsize_t(n1), *o2 = PyLong_FromSsize_t(n2);
            PyObject *o12 = PyLong_FromSsize_t(n1 + n2);
            if (!o1 || !o2 || !o12 || weigh(&v[A_CX], w[A_CX], o1, o2, o12) < 0 ||
                weigh(&v[A_CY], w[A_CY], o1, o2, o12) < 0)
                ok = 0;
            Py_XDECREF(o1);
            Py_XDECREF(o2);
            Py_XDECREF(o12);
        }
        if (ok) {
            PyObject *h = PyNumber_Add(v[A_H], w[A_H]);
            if (h == NULL)
                ok = 0;
            else
                Py_SETREF(v[A_H], h);
        }
        /* minima by <, maxima by >, the rank by < */
        static const int lows[] = {A_MINX, A_MINY, A_RANK}, highs[] = {A_MAXX, A_MAXY};
        for (int q = 0; q < 3 && ok; q++) {
            int lt = PyObject_RichCompareBool(w[lows[q]], v[lows[q]], Py_LT);
            if (lt < 0)
                ok = 0;
            else if (lt) {
                Py_INCREF(w[lows[q]]);
                Py_SETREF(v[lows[q]], w[lows[q]]);
            }
        }
        for (int q = 0; q < 2 && ok; q++) {
            int gt = PyObject_RichCompareBool(w[highs[q]], v[highs[q]], Py_GT);
            if (gt < 0)
                ok = 0;
            else if (gt) {
                Py_INCREF(w[highs[q]]);
                Py_SETREF(v[highs[q]], w[highs[q]]);
            }
        }
        if (ok) {
            PyObject *ab = PySequence_Fast(w[A_BLDS], "glued: buildings are a sequence");
            if (ab == NULL)
                ok = 0;
            for (Py_ssize_t q = 0; ok && q < PySequence_Fast_GET_SIZE(ab); q++) {
                PyObject *b = PySequence_Fast_GET_ITEM(ab, q);
                int has = PySet_Contains(seen, b);
                if (has < 0 || (!has && (PySet_Add(seen, b) < 0 || PyList_Append(blds, b) < 0)))
                    ok = 0;
            }
            Py_XDECREF(ab);
        }
        for (int k = 0; k < 15; k++)
            Py_XDECREF(w[k]);
        if (!ok)
            goto done;
    }
    PyObject *last = PyObject_GetAttr(PyList_GET_ITEM(run, n - 1), s_last);
    if (last == NULL)
        goto done;
    Py_SETREF(v[A_LAST], last);
    Py_SETREF(v[A_PARTS], parts);
    parts = NULL;
    Py_SETREF(v[A_BLDS], blds);
    blds = NULL;
    PyObject *obj = cls->tp_alloc(cls, 0);
    if (obj == NULL)
        goto done;
    for (int k = 0; k < 15; k++) {
        Py_INCREF(v[k]);
        if (set_slot(obj, k, v[k]) < 0) {
            Py_DECREF(obj);
            goto done;
        }
    }
    result = obj;
done:
    for (int k = 0; k < 15; k++)
        Py_XDECREF(v[k]);
    Py_XDECREF(parts);
    Py_XDECREF(blds);
    Py_XDECREF(seen);
    return result;
}

static PyMethodDef methods[] = {
    {"dp", dp, METH_VARARGS,
     "dp(atoms, lo, hi, t, dev, cw, cross, cross_tiny, needless, big, cut_floor, cut_unit)"
     " -> (cost, [(i, j), ...]): engine._dp_py in C."},
    {"batch_dp", batch_dp, METH_VARARGS,
     "batch_dp(seqs, lo, hi, t, dev, cw, big, cut_floor, cut_unit) -> [(cost, segs), ...]:"
     " engine._batched_dp_py in C."},
    {"pitch", pitch, METH_VARARGS,
     "pitch(blds, bld_xy, site, sadj, site_blds, bld_comp, comp) -> float: engine._pitch_py's"
     " row-gap threshold (comp -1: any compound)."},
    {"strict_adjacency", strict_adjacency, METH_VARARGS,
     "strict_adjacency(pts, simplices, neighbors) -> adjacency lists: the end of"
     " geometry.strict_delaunay_py."},
    {"strict_delaunay", strict_delaunay, METH_VARARGS,
     "strict_delaunay(points, report=0) -> adjacency lists | 0 (collinear: the chain) | 3"
     " (qhull decides); with report & 1, 1 at a cap sliver; with report & 2, 2 at an edge near"
     " the tolerance:"
     " geometry.strict_delaunay_neighbours without qhull."},
    {"build_pieces", build_pieces, METH_VARARGS,
     "build_pieces(cls, fields, units, rows) -> the Piece of each (unit, ff, ft, hh, grid)."},
    {"building_atom", building_atom, METH_VARARGS,
     "building_atom(cls, bld_units, portions, uxy, units, b, comp, rank, tiny, hi, split) ->"
     " [atom] | [] | None: the one-atom case of engine._building_atoms_py."},
    {"new_run", new_run, METH_VARARGS, "new_run(cls, run, h) -> engine._Run(run, h)."},
    {"chain_order", chain_order, METH_VARARGS,
     "chain_order(seqs, gs) -> (perm, flips): the order engine._State._chain picks for two or"
     " three grids."},
    {"recut", recut, METH_VARARGS,
     "recut(seq, lo, hi, t, dev, cw, cross, cross_tiny, needless, big, cut_floor, cut_unit, site,"
     " sadj) -> (segs, cost, {building: groups holding it}, groups spanning compounds) | None:"
     " engine._State._recut_py after the chain."},
    {"connected", connected, METH_VARARGS,
     "connected(site, sadj, blds) -> bool: engine._Community.connected in C."},
    {"cost_atoms", cost_atoms, METH_VARARGS,
     "cost_atoms(atoms, lo, hi, t, dev, cw, cross, cross_tiny, big) -> float:"
     " engine._Cost.atoms in C."},
    {"connected_sets", connected_sets, METH_VARARGS,
     "connected_sets(v, taken, nbr, hs, hi, max_sets) -> [(mask, households), ...]:"
     " engine._connected_sets in C (at most 62 atoms)."},
    {"exact_search", exact_search, METH_VARARGS,
     "exact_search(atoms, site, sadj, lo, hi, t, dev, cw, cross, cross_tiny, big, max_nodes,"
     " max_sets) -> [group mask, ...] | None: engine._State._search_py in C."},
    {"read_units", read_units, METH_VARARGS,
     "read_units(data, start, idx, width, cls, fields) -> [Unit] | None: cli.read_units's"
     " rows of a plain file, None when the file needs cli.read_units (errors included)."},
    {"write_rows", write_rows, METH_VARARGS,
     "write_rows(pieces, fields) -> bytes | None: csv.writer's lines of plain rows."},
    {"atoms_for", atoms_for, METH_VARARGS,
     "atoms_for(blds, cache, make, small, small2, run_cls) -> the glued atoms of"
     " engine._atoms_for_py."},
    {"community_index", community_index, METH_VARARGS,
     "community_index(units, uxy) -> (compounds, bld_names, bld_units, bld_comp, unit_bld,"
     " bld_h, bld_xy): engine._Community.__init__'s unit loop."},
    {"grid_rows", grid_rows, METH_VARARGS,
     "grid_rows(atoms, gid, out) -> bool: append one grid's rows as engine._emit does."},
    {"glued", glued, METH_VARARGS,
     "glued(cls, run) -> the atom engine._glued_py makes of run, or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_core", "The division engine's hottest loops in C.", -1, methods,
    NULL, NULL, NULL, NULL,
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
    INTERN(s_cx, "cx");
    INTERN(s_floors, "floors");
    INTERN(s_cy, "cy");
    INTERN(s_parts, "parts");
    INTERN(s_compound, "compound");
    INTERN(s_building, "building");
    INTERN(s_households, "households");
    INTERN(s_blds, "blds");
#undef INTERN
    if ((long_zero = PyLong_FromLong(0)) == NULL)
        return NULL;
    return PyModule_Create(&module);
}
