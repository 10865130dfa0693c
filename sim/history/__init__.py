"""An account's history (list and describe output, CloudTrail records) read, its quantities taken with
their censoring, and distributions fitted to them (``stoprace fit``)."""
