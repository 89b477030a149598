"""package/merge"""
