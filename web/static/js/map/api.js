// The map's calls to /api/v1/map: JSON in and out, the session's CSRF token on every POST,
// one message per failure (the API answers {"error": "..."}).

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function send(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.headers["X-CSRF-Token"] = csrfToken();
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    let message = response.statusText || String(response.status);
    try {
      message = (await response.json()).error || message;
    } catch (ignored) {
      // not JSON: keep the status text
    }
    throw new ApiError(response.status, message);
  }
  return response;
}

export async function getJson(path) {
  return (await send("GET", path)).json();
}

export async function postJson(path, body) {
  return (await send("POST", path, body)).json();
}

// A file answer: its bytes and the name the server gave it.
export async function postFile(path, body) {
  const response = await send("POST", path, body);
  const disposition = response.headers.get("Content-Disposition") || "";
  const found = /filename="([^"]+)"/.exec(disposition);
  let counts = null;
  try {
    counts = JSON.parse(response.headers.get("X-Lianjian-Counts") || "null");
  } catch (ignored) {
    counts = null;
  }
  return { blob: await response.blob(), name: found ? found[1] : "lianjian-map", counts };
}

// Save a blob as a file through a temporary link (no navigation, no other host).
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
