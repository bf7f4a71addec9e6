-- The name each institution goes by (institution_names: the most recent one entered), kept with the aggregates so that naming the institutions of a breakdown or watch list reads no raw rows
SELECT institution_id, institution_name FROM institution_names ORDER BY institution_id
