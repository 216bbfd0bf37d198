-- 0020: the parties' accusations answered with figures (issue 20, docs/separation.md).
--
-- A separation step: an agreement step declared to separate the agreement's parties from
-- its excluded actors in a named area by the step's deadline; its status page shows the
-- commingled ground measured there at the deadline and now. NULL for other steps. Part of
-- the step.create object ("separation": {"area": id}), so verify checks it.
ALTER TABLE step ADD COLUMN separation_area INTEGER REFERENCES area(id);
