"""The thresholds of dedupe's decisions, each with the reason for its value."""

from __future__ import annotations

from dataclasses import dataclass

from parallax.headlines import MIN_IDENTIFYING_TOKENS


@dataclass(frozen=True)
class DedupeSettings:
    """Thresholds of the dedupe and clustering decisions, each with the reason for its value."""

    # Copies share most content words; below 55% shared it is another outlet's own headline.
    near_title_jaccard: float = 0.55
    # rapidfuzz token_sort_ratio (0-100) a copy must reach: tolerates a clause added or dropped.
    near_title_ratio: float = 80.0
    # One name inserted mid-headline ("against US dollar") is an edit only in a long headline;
    # in a short one it changes who is involved ("Xi meets Biden, Putin in Lima").
    inserted_name_jaccard: float = 0.85
    # Shorter normalized titles are labels, not identity.
    min_title_tokens: int = MIN_IDENTIFYING_TOKENS
    # Near matching needs 4 content words a side: in shorter titles one word is the whole news.
    min_near_title_tokens: int = 4
    # ...unless published within 12 hours: a bare label ("China Economy") carried by several
    # papers at once is one wire item; the same label on another day is another item.
    short_title_max_days_apart: float = 0.5
    # The same headline more than 3 days apart is a recurring template, not a syndicated copy.
    max_days_apart: float = 3.0
    # Memory bounds for batches far larger than a day's few hundred articles (a feed of
    # thousands of near-identical items), each far above what a normal day reaches:
    # candidate near-copies: a block of more than 32 titles sharing a rare word (a day's
    # largest holds under 10) is searched 8 titles ahead in token order, not pair by pair;
    near_title_max_block: int = 32
    near_title_window: int = 8
    # a pair of titles carried by more than 64 pairs of articles links each article to the
    # other title's article closest in time, not to every one of them.
    max_row_pairs_per_title_pair: int = 64
    # Cluster: key terms in more than 5% of the batch are topic words ("china", "taiwan").
    cluster_topic_term_share: float = 0.05
    # ...yet in a small batch a term must be in over 10 titles before it is called a topic word.
    cluster_topic_term_min_df: int = 10
    # ...and in any batch a term in over 40 titles is one (5% of a day of 800 titles): it bounds
    # the titles a title is paired with to 39 per term, so clustering grows linearly.
    cluster_topic_term_max_df: int = 40
    # Cluster: two articles must share 3 event terms; 2 can be "Xi meets" (Biden / Putin).
    cluster_min_shared_terms: int = 3
    # Cluster: shared event terms / event terms of the sparser title; half of what is specific
    # to the story must be shared (a 2-word coincidence in long headlines stays apart).
    cluster_min_overlap: float = 0.5
    # Cluster: both sides' coverage of one event usually lands within two days.
    cluster_max_days_apart: float = 2.0


DEFAULT_SETTINGS = DedupeSettings()

METHODS = ("guid", "link", "canonical_url", "title_exact", "near_title")  # strongest first
