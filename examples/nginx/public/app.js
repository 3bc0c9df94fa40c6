// Shows when the page was served; a small script so the site has some JavaScript for gzip to compress.
document.addEventListener('DOMContentLoaded', () => {
  const p = document.createElement('p');
  p.textContent = 'Loaded at ' + new Date().toISOString() + '.';
  document.querySelector('main').appendChild(p);
});
