// Import page: send the chosen file as the raw request body (streamed and checked by the
// server), then open its preview; a refusal shows the server's message.
(function () {
  const form = document.getElementById("import-upload");
  if (!form) return;
  const error = document.getElementById("import-upload-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.querySelector('input[type="file"]').files[0];
    if (!file) return;
    const button = form.querySelector("button");
    button.disabled = true;
    error.hidden = true;
    try {
      const url = form.dataset.url + "?filename=" + encodeURIComponent(file.name);
      const response = await fetch(url, {
        method: "POST",
        body: file,
        headers: {
          "X-CSRF-Token": form.dataset.csrf,
          "Content-Type": "application/octet-stream",
          Accept: "application/json",
        },
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok && body.url) {
        window.location.assign(body.url);
        return;
      }
      error.textContent = body.message || body.detail || response.statusText;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
})();
