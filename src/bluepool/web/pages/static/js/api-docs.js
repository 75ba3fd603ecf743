// The API explorer at /docs: Swagger UI (vendored) on the app's OpenAPI document. A classic
// script, not a module, loaded after the bundle; it replaces the inline set-up script
// FastAPI's own /docs page has, which the content security policy would refuse.

(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    // No deep links: Swagger UI puts each one, a link, inside the operation's button (a
    // control inside a control, which screen readers and keyboards cannot use).
    deepLinking: false,
    showExtensions: true,
    showCommonExtensions: true,
    persistAuthorization: false,
    // Plain examples: the highlighter's colours miss WCAG AA contrast on its dark panel.
    syntaxHighlight: { activated: false },
    // The public validator's badge would be an image from another origin.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
  // Code blocks (examples, responses) scroll: let the keyboard reach them too.
  new MutationObserver(() => {
    for (const pre of root.querySelectorAll("pre:not([tabindex])")) pre.tabIndex = 0;
  }).observe(root, { childList: true, subtree: true });
})();
