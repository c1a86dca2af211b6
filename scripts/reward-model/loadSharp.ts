/** sharp, the image codec the dataset builder uses (a root devDependency). */
import sharp from 'sharp';

export { sharp };
