SELECT border, label_vi FROM ref_borders;
