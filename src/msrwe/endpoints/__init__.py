"""Endpoint analyses beyond EDSS: relapse rates, MRI, NEDA, biomarkers, severity, milestones."""
