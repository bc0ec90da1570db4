"""Shipped model folders, as package data."""
