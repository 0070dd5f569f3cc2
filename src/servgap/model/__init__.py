"""What is measured, as data: instruments (`instruments`), the five gaps and their
viewpoints (`gaps`) and the rules that turn ratings into respondent scores (`scoring`)."""
