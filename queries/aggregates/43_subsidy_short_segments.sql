-- 资金测算: the priced segments that earn less than their standard (reason set) or nothing, for subsidy_unpaid and
-- the records filtered to short or unpaid ones
-- subsidy_segments (42) without the segments paid in full, written once per data version in slices of the dates
-- ($from_day ≤ event_date < $until_day, as the totals: about one per [duckdb] rows_per_slice rows), sorted as the
-- segments are, so a plan's window and a page of records skip most row groups. subsidy_priced_of reads it: the
-- records short at D are the short segments holding at D (a record has at most one segment holding at D).
SELECT * FROM subsidy_segments
WHERE (reason IS NOT NULL OR amount = 0)
  AND event_date >= coalesce($from_day, DATE '0001-01-01') AND event_date < coalesce($until_day, DATE '9999-12-31')
ORDER BY priced_from, event_date, record_id, valid_from
