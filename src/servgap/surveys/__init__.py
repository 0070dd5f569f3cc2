"""Files → validated `Survey`: reading (`io`, platform readers), checks (`validation`),
the survey and its ledger (`survey`, `ledger`), and `read_survey` (`read`), which reads
in memory (`eager`) or partition by partition on Dask (`lazy`). `examples` holds the
bundled synthetic bank data."""
