"""Pages of results: the framework, programmes, periods, progress reports and their review, reports to download.

One module per part; blueprint.py maps their views to URLs.
"""
