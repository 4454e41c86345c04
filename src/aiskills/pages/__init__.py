"""The framework's pages, without Flask: page data read from a ``Store`` through ``queries/pages/*.rq``
(``data``), IRIs mapped to site paths (``links``), the RDF served for each resource (``rdf``), and a
static site writer (``site.write_site``) that renders the web app's templates with relative links."""
