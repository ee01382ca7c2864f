// Starts Swagger UI on this server's OpenAPI description (same origin; no CDN, no validator).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  root.textContent = "";
  SwaggerUIBundle({
    url: new URL(root.getAttribute("data-openapi") || "/openapi.json", window.location.href).toString(),
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // the default sends the description to validator.swagger.io for a badge: never
    validatorUrl: null
  });
})();
