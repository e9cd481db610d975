-- One HTTP attempt at a feed, stored before anything parses it (replay reads it back).
INSERT INTO raw_fetches (fetch_id, run_id, topic, logical_date, perspective, feed_index, url,
                         attempt, status_code, headers, body, fetched_at, elapsed_ms, ok,
                         item_count, error, reused_fetch_id, body_cut, items_cut)
VALUES ($fetch_id, $run_id, $topic, $logical_date, $perspective, $feed_index, $url,
        $attempt, $status_code, $headers, $body, $fetched_at, $elapsed_ms, $ok,
        $item_count, $error, $reused_fetch_id, $body_cut, $items_cut)
