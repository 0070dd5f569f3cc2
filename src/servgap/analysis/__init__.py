"""What users get: `analyze` (`core`) and its result (`results`, `saved`), and the
analyses built on a result: the five-gap model extras (`fivegap`), the staff-survey
constructs (`constructs`), drivers and IPA (`drivers`), segment and wave comparisons
(`compare`), reliability (`psychometrics`) and CFA (`cfa`)."""
