// Product images page: send the chosen file as the raw request body (streamed and checked
// by the server), then reload; a refusal shows the server's message.
(function () {
  const form = document.getElementById("image-upload");
  if (!form) return;
  const error = document.getElementById("image-upload-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.querySelector('input[type="file"]').files[0];
    if (!file) return;
    const button = form.querySelector("button");
    button.disabled = true;
    error.hidden = true;
    try {
      const response = await fetch(form.dataset.url, {
        method: "POST",
        body: file,
        headers: {
          "X-CSRF-Token": form.dataset.csrf,
          "Content-Type": file.type || "application/octet-stream",
          Accept: "application/json",
        },
      });
      if (response.ok) {
        window.location.reload();
        return;
      }
      const problem = await response.json().catch(() => ({}));
      error.textContent = problem.message || problem.detail || response.statusText;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
})();
