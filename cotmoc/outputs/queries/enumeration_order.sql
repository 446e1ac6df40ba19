-- The reference order of each enumeration's codes (as in the template), not the codes' spelling.
SELECT enum, code, sort_order FROM ref_enumerations;
