// Starts GraphiQL against this server's /graphql (same origin; no CDN, no websocket).
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var endpoint = new URL(root.getAttribute("data-endpoint") || "/graphql", window.location.href);
  var fetcher = GraphiQL.createFetcher({ url: endpoint.toString() });
  var defaultQuery =
    "# pcfgraph: IT process frameworks and their mappings.\n" +
    "# Press the play button (or Ctrl-Enter) to run.\n" +
    "{\n  frameworks {\n    id\n    title\n    version\n    elementCount\n  }\n}\n";
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery })
  );
})();
