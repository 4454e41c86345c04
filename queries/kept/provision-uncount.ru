# title: Uncount curricula from the provision counts
# description: Before the curricula graphs of a write (?written, bound by the store) are replaced or dropped, their stored curricula are taken off the provision graph's rows: once per capability each teaches (the row without a provider) and once per capability and provider. A row is found by the capability (and provider) it records, terms of the store; looked up by its name, worked out in the query, each row was compared with every row of the graph.
PREFIX ais: <https://w3id.org/aiskills/ontology#>
PREFIX aisv: <https://w3id.org/aiskills/validation#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>

DELETE { GRAPH <https://w3id.org/aiskills/graph/provision> { ?row aisv:curricula ?n } }
INSERT { GRAPH <https://w3id.org/aiskills/graph/provision> { ?row aisv:curricula ?left } }
WHERE {
  # the rows without a provider and those with one, each its own sub-select over the written graphs
  # (a UNION of the provider inside one pattern was evaluated over every stored curriculum)
  {
    {
      SELECT ?capability (COUNT(DISTINCT ?written) AS ?taken) WHERE {
        GRAPH ?written { ?written dct:subject ?curriculum . ?curriculum a ais:Curriculum ; schema:teaches ?capability }
      }
      GROUP BY ?capability
    }
    OPTIONAL {
      GRAPH <https://w3id.org/aiskills/graph/provision> {
        ?row aisv:capability ?capability ; aisv:curricula ?n
        FILTER NOT EXISTS { ?row aisv:provider ?anyProvider }
      }
    }
  }
  UNION
  {
    {
      SELECT ?capability ?provider (COUNT(DISTINCT ?written) AS ?taken) WHERE {
        GRAPH ?written {
          ?written dct:subject ?curriculum .
          ?curriculum a ais:Curriculum ; schema:teaches ?capability ; ais:provider ?provider
        }
      }
      GROUP BY ?capability ?provider
    }
    OPTIONAL {
      GRAPH <https://w3id.org/aiskills/graph/provision> {
        ?row aisv:capability ?capability ; aisv:provider ?provider ; aisv:curricula ?n
      }
    }
  }
  # OPTIONAL, then kept only where found: the written graphs' rows first, each looked up in the
  # provision graph (as a plain join, the provision graph was read first, three times slower)
  FILTER (BOUND(?n))
  BIND (?n - ?taken AS ?left)
}
