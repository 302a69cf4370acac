// The merchant console: new-shop form details by kind, row selection, and plugin actions
// run as jobs with a live progress bar (polls the job's progress JSON every second).
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // New shop: show only the details the chosen kind of shop needs.
  var shopForm = document.querySelector(".new-shop form");
  if (shopForm) {
    var sync = function () {
      var chosen = (shopForm.querySelector("input[name=type]:checked") || {}).value;
      shopForm.querySelectorAll("fieldset.details").forEach(function (set) {
        set.hidden = chosen ? set.dataset.for.split(" ").indexOf(chosen) < 0 : false;
      });
    };
    shopForm.addEventListener("change", sync);
    sync();
  }

  // Select every row.
  document.querySelectorAll("input.select-all").forEach(function (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("#rows-form input[name=ids]").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function draw(panel, job) {
    var d = panel.dataset;
    panel.hidden = false;
    panel.querySelector(".job-label").textContent = job.label;
    var bar = panel.querySelector(".job-bar");
    bar.value = job.percent;
    bar.textContent = job.percent + "%";
    panel.querySelector(".job-percent").textContent = job.percent + "%";
    var status = job.done || job.status === "queued"
      ? d["text" + job.status.charAt(0).toUpperCase() + job.status.slice(1)]
      : fill(d.textRunning, { done: job.progress, total: job.total });
    if (job.done) status += " · " + fill(d.textRunning, { done: job.progress, total: job.total });
    panel.querySelector(".job-status").textContent = status;
    panel.dataset.status = job.status;
    var message = panel.querySelector(".job-message");
    message.hidden = !job.message;
    message.textContent = job.message || "";
    // counts (created, updated, unchanged, failed) and a report link, where the page has them
    if (job.counts) {
      document.querySelectorAll(".job-counts [data-count]").forEach(function (cell) {
        cell.textContent = job.counts[cell.dataset.count] || 0;
      });
    }
    var report = document.querySelector(".job-report");
    if (report && job.report) report.hidden = false;
    var result = panel.querySelector(".job-result");
    if (result) {
      result.hidden = !job.result_url;
      if (job.result_url) result.querySelector("a").href = job.result_url;
    }
    var list = panel.querySelector(".job-rows");
    list.textContent = "";
    job.rows.forEach(function (row) {
      var item = document.createElement("li");
      item.className = row.ok ? "pass" : "fail";
      item.dataset.row = row.row;
      item.textContent = fill(d.textRow, { row: row.row }) + ": " + (row.ok ? d.textOk : d.textError) +
        (row.message ? " · " + row.message : "");
      list.appendChild(item);
    });
  }

  function poll(panel, url) {
    var tick = function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          draw(panel, job);
          if (!job.done) setTimeout(tick, 1000);
        })
        .catch(function () { setTimeout(tick, 2000); });
    };
    tick();
  }

  // A job's own page.
  var standing = document.querySelector(".job-progress[data-progress-url]");
  if (standing) poll(standing, standing.dataset.progressUrl);

  // Running an action from a list: start the job, then follow it on this page.
  var rows = document.getElementById("rows-form");
  var panel = document.querySelector(".job-progress");
  if (rows && panel) {
    rows.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !button.value) return;
      event.preventDefault();
      var data = new FormData(rows);
      data.set("action", button.value);
      var error = document.querySelector(".actions-error");
      if (error) error.hidden = true;
      button.disabled = true;
      fetch(rows.getAttribute("action"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrf },
      })
        .then(function (response) {
          return response.json().then(function (body) { return [response.status, body]; });
        })
        .then(function (answer) {
          button.disabled = false;
          var body = answer[1];
          if (answer[0] !== 202) {
            var errors = body.errors || {};
            if (error) {
              error.textContent = errors.ids || errors.action || body.detail || "";
              error.hidden = false;
            }
            return;
          }
          var link = panel.querySelector(".job-link");
          link.querySelector("a").href = body.url;
          link.hidden = false;
          draw(panel, body.job);
          poll(panel, body.progress_url);
        })
        .catch(function () { button.disabled = false; rows.submit(); });
    });
  }
})();
