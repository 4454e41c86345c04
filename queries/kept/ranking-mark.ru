# title: Mark the ranking parts a write changes
# description: Every ranking part the entries of the curricula graphs of a write (?written, bound by the store) are listed in (aisv:part) is marked in the provision graph (aisv:stale), for ranking-settle to gather its rows again: run before the write, it marks the parts of the graphs the write replaces or drops, while their contents are still there; run after it, the parts of the graphs it wrote.
PREFIX aisv: <https://w3id.org/aiskills/validation#>

INSERT { GRAPH <https://w3id.org/aiskills/graph/provision> { ?part aisv:stale 1 } }
WHERE {
  { SELECT DISTINCT ?part WHERE { GRAPH ?written { ?ranking aisv:part ?part } } }
}
