# title: Settle the provision totals
# description: After provision-uncount or provision-count, for every capability the curricula graphs of the write (?written, bound by the store) teach: rows whose count reached 0 are removed, and the capability's totals are worked out again from its rows (aisv:taughtBy, the curricula of the row without a provider; aisv:providers, its rows with a provider), none when no curriculum teaches it.
PREFIX ais: <https://w3id.org/aiskills/ontology#>
PREFIX aisv: <https://w3id.org/aiskills/validation#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>

DELETE { GRAPH <https://w3id.org/aiskills/graph/provision> { ?row ?p ?o } }
WHERE {
  {
    SELECT DISTINCT ?capability WHERE {
      GRAPH ?written { ?written dct:subject ?curriculum . ?curriculum a ais:Curriculum ; schema:teaches ?capability }
    }
  }
  GRAPH <https://w3id.org/aiskills/graph/provision> { ?row aisv:capability ?capability ; aisv:curricula ?n ; ?p ?o }
  FILTER (?n <= 0)
} ;

DELETE { GRAPH <https://w3id.org/aiskills/graph/provision> { ?capability aisv:taughtBy ?n } }
WHERE {
  {
    SELECT DISTINCT ?capability WHERE {
      GRAPH ?written { ?written dct:subject ?curriculum . ?curriculum a ais:Curriculum ; schema:teaches ?capability }
    }
  }
  GRAPH <https://w3id.org/aiskills/graph/provision> { ?capability aisv:taughtBy ?n }
} ;

DELETE { GRAPH <https://w3id.org/aiskills/graph/provision> { ?capability aisv:providers ?n } }
WHERE {
  {
    SELECT DISTINCT ?capability WHERE {
      GRAPH ?written { ?written dct:subject ?curriculum . ?curriculum a ais:Curriculum ; schema:teaches ?capability }
    }
  }
  GRAPH <https://w3id.org/aiskills/graph/provision> { ?capability aisv:providers ?n }
} ;

INSERT { GRAPH <https://w3id.org/aiskills/graph/provision> { ?capability aisv:taughtBy ?n ; aisv:providers ?providers } }
WHERE {
  {
    SELECT ?capability ?n (COUNT(DISTINCT ?provided) AS ?providers) WHERE {
      {
        SELECT DISTINCT ?capability WHERE {
          GRAPH ?written { ?written dct:subject ?curriculum . ?curriculum a ais:Curriculum ; schema:teaches ?capability }
        }
      }
      # OPTIONAL, so that each capability's row is looked up (as a plain join the whole provision
      # graph was read first, five times slower); a capability without a row has no ?n, left out below
      OPTIONAL {
        GRAPH <https://w3id.org/aiskills/graph/provision> {
          ?row aisv:capability ?capability ; aisv:curricula ?n .
          FILTER NOT EXISTS { ?row aisv:provider ?anyone }
        }
      }
      OPTIONAL {
        GRAPH <https://w3id.org/aiskills/graph/provision> {
          ?byProvider aisv:capability ?capability ; aisv:provider ?provided ; aisv:curricula ?m .
          FILTER (?m > 0)
        }
      }
    }
    GROUP BY ?capability ?n
  }
  FILTER (?n > 0)
}
