"""package/checks"""
