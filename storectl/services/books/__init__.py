"""The books: the signed sales facts (`facts`), reports, the daily aggregate (`sales_day`), and the
month-end workbook (`month_end`, `month_end_books`, typed cells in `xlsx`)."""
