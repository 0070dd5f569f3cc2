"""partial → merge → finish: segment coding (`segments`), the map step (`kernel`, and
`coded` on one-byte ratings), the Dask reduction (`partitions`), respondent gap scores
(`scores`), the result schema and its assembly (`tables`), the settings of an analysis
(`settings`) and `analyze`'s body (`compute`)."""
