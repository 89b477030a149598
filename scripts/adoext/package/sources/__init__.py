"""package/sources"""
