# title: Mark the ranking parts a write changes
# description: Before the curricula graphs of a write (?written, bound by the store) are replaced or dropped, every ranking part their entries are listed in (aisv:part) is marked in the provision graph (aisv:stale), so that ranking-settle gathers its rows again once the graphs are gone or replaced.
PREFIX aisv: <https://w3id.org/aiskills/validation#>

INSERT { GRAPH <https://w3id.org/aiskills/graph/provision> { ?part aisv:stale 1 } }
WHERE {
  { SELECT DISTINCT ?part WHERE { GRAPH ?written { ?ranking aisv:part ?part } } }
}
