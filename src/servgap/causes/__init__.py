"""Root causes traced to the source documents: the catalog (`catalog`, checked by
`schema`), the ranking of causes from a result's evidence (`ranking`) and its words
(`wording`)."""
