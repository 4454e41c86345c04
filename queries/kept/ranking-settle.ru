# title: Gather the ranking parts a write changed
# description: Once the curricula graphs of a write are in place or dropped, every ranking part marked (aisv:stale, by ranking-mark: before the write for the graphs it replaces or drops, after it for the graphs it wrote) holds in the provision graph its entries' rows (aisv:lists, from every graph) gathered into one text, a row a line (aisv:rows), none when no entry is listed in it any more; then the marks are removed.
PREFIX aisv: <https://w3id.org/aiskills/validation#>

DELETE { GRAPH <https://w3id.org/aiskills/graph/provision> { ?part aisv:rows ?rows } }
WHERE {
  GRAPH <https://w3id.org/aiskills/graph/provision> { ?part aisv:stale ?mark ; aisv:rows ?rows }
} ;

INSERT { GRAPH <https://w3id.org/aiskills/graph/provision> { ?part aisv:rows ?rows } }
WHERE {
  {
    SELECT ?part (GROUP_CONCAT(?row; separator="\n") AS ?rows) WHERE {
      GRAPH <https://w3id.org/aiskills/graph/provision> { ?part aisv:stale ?mark }
      GRAPH ?listed { ?part aisv:lists ?row }
    }
    GROUP BY ?part
  }
} ;

DELETE WHERE { GRAPH <https://w3id.org/aiskills/graph/provision> { ?part aisv:stale ?mark } }
