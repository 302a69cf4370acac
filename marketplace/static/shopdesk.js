// The shop's own pages: the new-shop form's live checklist (asked of the server, which uses
// the kernel's own checks), and uploads (shop icon, licence documents) sent as the raw
// file, streamed and checked by the server; a refusal shows the server's message.
(function () {
  "use strict";

  // -- what opening still needs, as the person types --------------------------------------
  var panel = document.querySelector(".opening-checklist[data-url]");
  var shopForm = panel && panel.closest("form");
  if (panel && shopForm) {
    var timer = null;
    var draw = function (answer) {
      panel.querySelectorAll("ul.checklist").forEach(function (list) {
        list.hidden = list.dataset.for !== answer.type;
      });
      var list = panel.querySelector('ul.checklist[data-for="' + answer.type + '"]');
      if (!list) return;
      answer.items.forEach(function (item) {
        var row = list.querySelector('li[data-field="' + item.field + '"]');
        if (!row) return;
        row.className = item.done ? "done" : "todo";
        var state = row.querySelector(".state");
        state.textContent = item.done ? panel.dataset.textDone : panel.dataset.textTodo;
        state.className = "state badge " + (item.done ? "open" : "draft");
        var why = row.querySelector(".why");
        why.textContent = item.message;
        why.hidden = item.done;
      });
    };
    var ask = function () {
      var data = new FormData(shopForm);
      fetch(panel.dataset.url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRF-Token": panel.dataset.csrf, Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) { if (answer) draw(answer); })
        .catch(function () {});
    };
    var later = function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    };
    shopForm.addEventListener("input", later);
    shopForm.addEventListener("change", later);
  }

  // -- uploads: the file is the body; named fields go in the query ------------------------
  document.querySelectorAll("form.upload-form[data-url]").forEach(function (form) {
    var error = form.querySelector(".upload-error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = form.querySelector('input[type="file"]').files[0];
      form.querySelectorAll("p[data-field]").forEach(function (p) { p.hidden = true; });
      error.hidden = true;
      if (!file) {
        error.textContent = form.querySelector('input[type="file"]').closest("label").textContent.trim();
        error.hidden = false;
        return;
      }
      var query = new URLSearchParams();
      (form.dataset.query || "").split(" ").filter(Boolean).forEach(function (name) {
        query.set(name, form.elements[name].value);
      });
      if (form.dataset.query) query.set("filename", file.name);
      var url = form.dataset.url + (query.toString() ? "?" + query.toString() : "");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(url, {
        method: "POST",
        body: file,
        credentials: "same-origin",
        headers: {
          "X-CSRF-Token": form.dataset.csrf,
          "Content-Type": file.type || "application/octet-stream",
          Accept: "application/json",
        },
      })
        .then(function (response) {
          if (response.ok) {
            window.location.reload();
            return null;
          }
          return response.json().catch(function () { return {}; }).then(function (problem) {
            var fields = problem.fields || {};
            var shown = false;
            Object.keys(fields).forEach(function (name) {
              var p = form.querySelector('p[data-field="' + name + '"]');
              if (p) { p.textContent = fields[name]; p.hidden = false; shown = true; }
            });
            if (!shown) {
              error.textContent = problem.message || problem.detail || response.statusText;
              error.hidden = false;
            }
          });
        })
        .catch(function () {})
        .then(function () { button.disabled = false; });
    });
  });
})();
