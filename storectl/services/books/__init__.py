"""The books: the signed sales facts (`facts`), reports, the daily aggregate (`sales_day`), and the
month-end workbook (`month_end`, the core's state sheets in `month_end_books`, a later area's sheet
in `month_end_<area>`, typed cells in `xlsx`)."""
