// Starts Swagger UI on /docs from the vendored bundle (CSP forbids inline script).
// Requests made with "Try it out" carry the session's CSRF token; nothing leaves this host.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: false,
    requestInterceptor: function (request) {
      if (meta) { request.headers["X-CSRF-Token"] = meta.content; }
      return request;
    }
  });
});
