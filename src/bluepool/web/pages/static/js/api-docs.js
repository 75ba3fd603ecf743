// The API explorer at /docs: Swagger UI (vendored) on the app's OpenAPI document. A classic
// script, not a module, loaded after the bundle; it replaces the inline set-up script
// FastAPI's own /docs page has, which the content security policy would refuse.

(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    persistAuthorization: false,
    // The public validator's badge would be an image from another origin.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
