// Product images page: send each chosen file, one after another, as the raw request body
// (streamed and checked by the server), then reload; a refusal shows the server's message
// with the file's name and the page stays, so the message can be read.
(function () {
  const form = document.getElementById("image-upload");
  if (!form) return;
  const error = document.getElementById("image-upload-error");

  async function send(file) {
    const response = await fetch(form.dataset.url, {
      method: "POST",
      body: file,
      headers: {
        "X-CSRF-Token": form.dataset.csrf,
        "Content-Type": file.type || "application/octet-stream",
        Accept: "application/json",
      },
    });
    if (response.ok) return null;
    const problem = await response.json().catch(() => ({}));
    return problem.message || problem.detail || response.statusText;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = Array.from(form.querySelector('input[type="file"]').files);
    if (!files.length) return;
    const button = form.querySelector("button");
    button.disabled = true;
    error.hidden = true;
    const refused = [];
    try {
      for (const file of files) {
        const message = await send(file);
        if (message) refused.push(files.length > 1 ? file.name + ": " + message : message);
      }
      if (!refused.length) {
        window.location.reload();
        return;
      }
      error.textContent = refused.join(" ");
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
})();
