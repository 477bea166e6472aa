DROP FUNCTION reader_page(text, int8, int8);
