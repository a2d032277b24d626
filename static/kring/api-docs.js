/* /api/docs: Swagger UI on Kring's own schema; calls from it carry the CSRF token, so "Try it
 * out" works with the session cookie. */
(function () {
  "use strict";
  const settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  const token = document.body.dataset.csrfToken;
  settings.dom_id = "#swagger-ui";
  settings.presets = [window.SwaggerUIBundle.presets.apis];
  settings.requestInterceptor = (request) => {
    if (token) request.headers["X-CSRFToken"] = token;
    return request;
  };
  window.ui = window.SwaggerUIBundle(settings);
})();
