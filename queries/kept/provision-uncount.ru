# title: Uncount curricula from the provision counts
# description: Before the curricula graphs of a write (?written, bound by the store) are replaced or dropped, their stored curricula are taken off the provision graph's rows: once per capability each teaches (the row without a provider) and once per capability and provider. Rows are named as the provision graph names them: the graph's IRI, '#' and the first 24 hex digits of the SHA-256 of "capability provider" (the provider empty for the row without one; an IRI with characters outside printable ASCII written as its own SHA-256, as Virtuoso's CONCAT changes such text).
PREFIX ais: <https://w3id.org/aiskills/ontology#>
PREFIX aisv: <https://w3id.org/aiskills/validation#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>

DELETE { GRAPH <https://w3id.org/aiskills/graph/provision> { ?row aisv:curricula ?n } }
INSERT { GRAPH <https://w3id.org/aiskills/graph/provision> { ?row aisv:curricula ?left } }
WHERE {
  {
    SELECT ?row (COUNT(DISTINCT ?written) AS ?taken) WHERE {
      GRAPH ?written { ?written dct:subject ?curriculum . ?curriculum a ais:Curriculum ; schema:teaches ?capability }
      BIND (STR(?capability) AS ?capabilityText)
      BIND (IF(REGEX(?capabilityText, "^[ -~]*$"), ?capabilityText, SHA256(?capabilityText)) AS ?capabilityKey)
      { BIND ("" AS ?providerKey) }
      UNION {
        GRAPH ?written { ?curriculum ais:provider ?provider }
        BIND (STR(?provider) AS ?providerText)
        BIND (IF(REGEX(?providerText, "^[ -~]*$"), ?providerText, SHA256(?providerText)) AS ?providerKey)
      }
      BIND (IRI(CONCAT("https://w3id.org/aiskills/graph/provision#",
                       SUBSTR(SHA256(CONCAT(?capabilityKey, " ", ?providerKey)), 1, 24))) AS ?row)
    }
    GROUP BY ?row
  }
  GRAPH <https://w3id.org/aiskills/graph/provision> { ?row aisv:curricula ?n }
  BIND (?n - ?taken AS ?left)
}
