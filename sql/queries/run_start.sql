-- A topic-day run starts: its ledger row, status running until it finishes.
INSERT INTO runs (run_id, topic, logical_date, kind, status, started_at, flow_run_id,
                  parent_run_id, summarizer)
VALUES ($run_id, $topic, $logical_date, $kind, 'running', $started_at, $flow_run_id,
        $parent_run_id, $summarizer)
