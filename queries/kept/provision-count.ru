# title: Count curricula into the provision counts
# description: Once the curricula graphs of a write (?written, bound by the store) are in place, their stored curricula are added to the provision graph's rows, a row made for a capability (and provider) not counted yet: once per capability each teaches (the row without a provider) and once per capability and provider. A row is found as in provision-uncount (the row found is the row named here: where one is found, ?stored is ?row); a new one is named as the provision graph names its rows: the graph's IRI, '#' and the first 24 hex digits of the SHA-256 of "capability provider" (the provider empty for the row without one; an IRI with characters outside printable ASCII written as its own SHA-256, as Virtuoso's CONCAT changes such text).
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
  # the rows without a provider and those with one, each its own sub-select over the written graphs
  # (a UNION of the provider inside one pattern was evaluated over every stored curriculum)
  {
    {
      SELECT ?row ?capability (COUNT(DISTINCT ?written) AS ?added) WHERE {
        GRAPH ?written { ?written dct:subject ?curriculum . ?curriculum a ais:Curriculum ; schema:teaches ?capability }
        BIND (STR(?capability) AS ?capabilityText)
        BIND (IF(REGEX(?capabilityText, "^[ -~]*$"), ?capabilityText, SHA256(?capabilityText)) AS ?capabilityKey)
        BIND (IRI(CONCAT("https://w3id.org/aiskills/graph/provision#",
                         SUBSTR(SHA256(CONCAT(?capabilityKey, " ")), 1, 24))) AS ?row)
      }
      GROUP BY ?row ?capability
    }
    OPTIONAL {
      GRAPH <https://w3id.org/aiskills/graph/provision> {
        ?stored aisv:capability ?capability ; aisv:curricula ?n
        FILTER NOT EXISTS { ?stored aisv:provider ?anyProvider }
      }
    }
  }
  UNION
  {
    {
      SELECT ?row ?capability ?provider (COUNT(DISTINCT ?written) AS ?added) WHERE {
        GRAPH ?written {
          ?written dct:subject ?curriculum .
          ?curriculum a ais:Curriculum ; schema:teaches ?capability ; ais:provider ?provider
        }
        BIND (STR(?capability) AS ?capabilityText)
        BIND (IF(REGEX(?capabilityText, "^[ -~]*$"), ?capabilityText, SHA256(?capabilityText)) AS ?capabilityKey)
        BIND (STR(?provider) AS ?providerText)
        BIND (IF(REGEX(?providerText, "^[ -~]*$"), ?providerText, SHA256(?providerText)) AS ?providerKey)
        BIND (IRI(CONCAT("https://w3id.org/aiskills/graph/provision#",
                         SUBSTR(SHA256(CONCAT(?capabilityKey, " ", ?providerKey)), 1, 24))) AS ?row)
      }
      GROUP BY ?row ?capability ?provider
    }
    OPTIONAL {
      GRAPH <https://w3id.org/aiskills/graph/provision> {
        ?stored aisv:capability ?capability ; aisv:provider ?provider ; aisv:curricula ?n
      }
    }
  }
  BIND (COALESCE(?n, 0) + ?added AS ?total)
}
