"""Personal-data handling (SPEC §12, 個人情報取扱特記事項 第15): the handling log.

Issue 8 extends this package (hand-over, deletion, the managers' log browser).
"""
