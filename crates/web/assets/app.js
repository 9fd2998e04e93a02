// duban — the one script of the site, written by the team. Every page works without it: it
// only adds the live check as a unit types, and a confirmation before irreversible steps.
"use strict";

(function () {
  // The live check: after a pause in typing, send the form to the check endpoint and put the
  // panel it renders in place of the old one. A save still re-checks on the server.
  var PAUSE_MS = 700;

  function liveCheck(form) {
    var url = form.getAttribute("data-check");
    if (!url || !document.getElementById("livecheck") || !window.fetch || !window.URLSearchParams) return;
    var token = form.querySelector("input[name=csrf]");
    var timer = null;
    var sent = 0;
    var status = document.getElementById("livecheck-status");

    function run() {
      var mine = ++sent;
      var body = new URLSearchParams();
      new FormData(form).forEach(function (value, key) {
        if (typeof value === "string") body.append(key, value);
      });
      if (status) status.textContent = "正在核对…";
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "X-CSRF-Token": token ? token.value : "",
          "Accept": "application/json"
        },
        body: body.toString()
      })
        .then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          return r.json();
        })
        .then(function (data) {
          // An answer to an older request than the newest one sent is stale: drop it.
          if (mine !== sent) return;
          // The server renders the whole panel, the same template a save shows.
          var panel = document.getElementById("livecheck");
          if (panel) panel.outerHTML = data.html;
          if (status) status.textContent = "已按当前输入核对（未保存）";
        })
        .catch(function () {
          if (mine === sent && status) status.textContent = "暂时无法自动核对，保存时仍会核对";
        });
    }

    function schedule() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(run, PAUSE_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
  }

  // Forms marked data-confirm ask before they are sent. Without the script the server-side
  // confirmation (where the step has one) still applies.
  function confirmations() {
    document.addEventListener("submit", function (e) {
      var form = e.target;
      var submitter = e.submitter;
      var text = (submitter && submitter.getAttribute("data-confirm")) ||
        (form && form.getAttribute && form.getAttribute("data-confirm"));
      if (text && !window.confirm(text)) e.preventDefault();
    });
  }

  function start() {
    var forms = document.querySelectorAll("form[data-check]");
    for (var i = 0; i < forms.length; i++) liveCheck(forms[i]);
    confirmations();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
