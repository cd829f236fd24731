"""Operations that change state. Each takes the acting user as an argument (never reads
``current_user``), writes its audit events, and commits or raises before writing.
"""
