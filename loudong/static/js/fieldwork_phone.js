// The leaders' phone pages: an outbox in IndexedDB for submissions made offline (photos too).
// A form marked data-outbox is sent with fetch and an Idempotency-Key; when the phone is offline
// or the network fails, the submission is kept on the phone, "待发送 N 条" is shown, and it is
// sent when the connection returns — the same key each time, so the server never records it
// twice. The service worker (served from /fieldwork/m/sw.js) keeps the pages for offline use.
(function () {
  "use strict";
  var script = document.getElementById("fieldwork-phone");
  var DB = "loudong-outbox", STORE = "submissions";
  var bar = document.getElementById("outbox-bar");
  var flashBox = document.getElementById("flash");
  var flushing = false;

  if ("serviceWorker" in navigator && script && window.isSecureContext) {
    navigator.serviceWorker.register(script.getAttribute("data-sw"), { scope: script.getAttribute("data-scope") })
      .catch(function () { /* pages still work without it */ });
  }

  function flash(text) {
    if (!flashBox || !text) return;
    flashBox.textContent = text;
    flashBox.hidden = false;
  }
  try {
    var kept = sessionStorage.getItem("loudong-flash");
    if (kept) { sessionStorage.removeItem("loudong-flash"); flash(kept); }
  } catch (e) { /* private mode */ }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function csrf() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }

  function db() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no indexedDB")); return; }
      var open = indexedDB.open(DB, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE, { keyPath: "key" }); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }

  function tx(mode, work) {
    return db().then(function (conn) {
      return new Promise(function (resolve, reject) {
        var t = conn.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }

  function all() { return tx("readonly", function (s) { return s.getAll(); }).catch(function () { return []; }); }
  function put(entry) { return tx("readwrite", function (s) { s.put(entry); }); }
  function remove(key) { return tx("readwrite", function (s) { s["delete"](key); }); }

  function showBar() {
    if (!bar) return Promise.resolve();
    return all().then(function (entries) {
      var waiting = entries.filter(function (e) { return !e.error; });
      var bad = entries.filter(function (e) { return e.error; });
      bar.textContent = "";
      bar.classList.toggle("bad", bad.length > 0);
      if (!entries.length) { bar.hidden = true; return; }
      bar.hidden = false;
      if (waiting.length) {
        var line = document.createElement("div");
        line.textContent = "待发送 " + waiting.length + " 条" + (navigator.onLine ? "，正在发送……" : "（联网后自动发送）");
        bar.appendChild(line);
      }
      bad.forEach(function (e) {
        var line = document.createElement("div");
        line.textContent = e.label + "未能发送：" + e.error + " ";
        var drop = document.createElement("button");
        drop.type = "button";
        drop.textContent = "删除这条";
        drop.addEventListener("click", function () { remove(e.key).then(showBar); });
        line.appendChild(drop);
        bar.appendChild(line);
      });
    });
  }

  function toEntry(form, submitter) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File) {
        if (value.size) fields.push([name, value, value.name]);
      } else {
        fields.push([name, value]);
      }
    });
    if (submitter && submitter.name) fields.push([submitter.name, submitter.value]);
    var key = form.elements.idempotency_key ? form.elements.idempotency_key.value : newKey();
    return {
      key: key || newKey(),
      url: form.action,
      label: form.getAttribute("data-outbox") || "提交",
      next: form.getAttribute("data-next") || "",
      fields: fields,
      created: Date.now(),
      error: ""
    };
  }

  // "sent" with the server's answer, "invalid" with its reasons, "login", or "retry".
  function send(entry) {
    var body = new FormData();
    entry.fields.forEach(function (f) {
      if (f[0] === "csrfmiddlewaretoken") body.append(f[0], csrf() || f[1]);
      else if (f.length === 3) body.append(f[0], f[1], f[2]);
      else body.append(f[0], f[1]);
    });
    return fetch(entry.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Idempotency-Key": entry.key, "X-Outbox": "1", "X-CSRFToken": csrf() }
    }).then(function (r) {
      if (r.type === "opaqueredirect") return { state: "login" };
      if (r.status === 201 || r.status === 200) {
        return r.json().then(function (data) { return { state: "sent", data: data }; });
      }
      if (r.status === 400) {
        return r.json().then(function (data) {
          return { state: "invalid", error: (data.errors || []).join("；") || "内容有误" };
        }, function () { return { state: "invalid", error: "内容有误" }; });
      }
      if (r.status === 403 || r.status === 404) return { state: "invalid", error: "无权提交（" + r.status + "）" };
      return { state: "retry" };
    }, function () { return { state: "retry" }; });
  }

  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    var sent = 0;
    return all().then(function (entries) {
      var todo = entries.filter(function (e) { return !e.error; }).sort(function (a, b) { return a.created - b.created; });
      function next(i) {
        if (i >= todo.length) return null;
        return send(todo[i]).then(function (res) {
          if (res.state === "sent") { sent += 1; return remove(todo[i].key).then(function () { return next(i + 1); }); }
          if (res.state === "invalid") { todo[i].error = res.error; return put(todo[i]).then(function () { return next(i + 1); }); }
          if (res.state === "login") flash("登录已过期：请重新登录，保存在手机上的内容将自动发送。");
          return null;
        });
      }
      return next(0);
    }).then(function () {
      flushing = false;
      if (sent) flash("已发送保存在手机上的 " + sent + " 条记录。");
      return showBar();
    }, function () { flushing = false; });
  }

  function keep(form, entry, text) {
    return put(entry).then(function () {
      form.reset();
      if (form.elements.idempotency_key) form.elements.idempotency_key.value = newKey();
      flash(text);
      return showBar();
    }, function () {
      flash("手机无法保存这条记录（存储不可用），请联网后再提交。");
    });
  }

  function nativeSubmit(form, submitter) {
    if (submitter && submitter.name) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = submitter.name;
      hidden.value = submitter.value;
      form.appendChild(hidden);
    }
    form.setAttribute("data-native", "1");
    HTMLFormElement.prototype.submit.call(form);
  }

  document.querySelectorAll("form[data-outbox]").forEach(function (form) {
    if (form.elements.idempotency_key) form.elements.idempotency_key.value = newKey();
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-native")) return;
      event.preventDefault();
      if (form.getAttribute("data-busy")) return;  // a second tap sends nothing twice
      var submitter = event.submitter;
      var entry = toEntry(form, submitter);
      if (!navigator.onLine) {
        keep(form, entry, "手机没有网络：已保存在手机上，联网后自动发送。");
        return;
      }
      form.setAttribute("data-busy", "1");
      send(entry).then(function (res) {
        form.removeAttribute("data-busy");
        if (res.state === "sent") {
          try { sessionStorage.setItem("loudong-flash", res.data.message || "已提交"); } catch (e) { /* ignore */ }
          window.location.href = res.data.url || entry.next || window.location.href;
        } else if (res.state === "invalid" || res.state === "login") {
          nativeSubmit(form, submitter);  // the page shows the reasons beside the fields
        } else {
          keep(form, entry, "网络不稳定：已保存在手机上，联网后自动发送。");
        }
      });
    });
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", showBar);
  showBar().then(flush);
  setInterval(flush, 30000);
})();
