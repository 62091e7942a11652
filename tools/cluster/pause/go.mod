module strata.local/pause

go 1.22
