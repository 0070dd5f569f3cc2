"""Root causes traced to the source documents: the catalog (`catalog`, checked by
`schema` and `checks`), the source documents (`sources`), the action catalog (`remedies`),
the scoring and ranking of causes from a result's evidence (`scoring`, `ranking`), their
words (`wording`, `explain`), the cause tree (`tree`) and the action plan (`actions`)."""
