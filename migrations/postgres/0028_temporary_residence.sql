-- Tạm trú: how long a citizen's temporary residence (temporary_household_id) lasts, `YYYY-MM-DD`, its last day.
ALTER TABLE citizens ADD COLUMN temporary_until TEXT;
