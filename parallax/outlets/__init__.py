"""Outlets: which country an outlet speaks for.

registry.py holds the registry (config/outlets.csv, validated at load) and its lookups;
placement.py the rules that place one outlet with it, explaining every step; articles.py
applies them to a day's articles.
"""
