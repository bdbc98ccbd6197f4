"""The shell around MediaPipe: estimators, frame sources, drawing, video output."""
