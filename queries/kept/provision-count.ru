# title: Count curricula into the provision counts
# description: Once the curricula graphs of a write (?written, bound by the store) are in place, their stored curricula are added to the provision graph's rows, a row made for a capability (and provider) not counted yet: once per capability each teaches (the row without a provider) and once per capability and provider. Rows are named as in provision-uncount.
PREFIX ais: <https://w3id.org/aiskills/ontology#>
PREFIX aisv: <https://w3id.org/aiskills/validation#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>

DELETE { GRAPH <https://w3id.org/aiskills/graph/provision> { ?row aisv:curricula ?n } }
INSERT {
  GRAPH <https://w3id.org/aiskills/graph/provision> {
    ?row a aisv:ProviderTeaching ; aisv:capability ?capability ; aisv:provider ?provider ; aisv:curricula ?total
  }
}
WHERE {
  {
    SELECT ?row ?capability ?provider (COUNT(DISTINCT ?written) AS ?added) WHERE {
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
    GROUP BY ?row ?capability ?provider
  }
  OPTIONAL { GRAPH <https://w3id.org/aiskills/graph/provision> { ?row aisv:curricula ?n } }
  BIND (COALESCE(?n, 0) + ?added AS ?total)
}
